// Drives the leader-election routes of a Worker under `wrangler dev` as a client would.

/** A route that reads a JSON body, for the 64 KiB limit. */
export const bodyRoute = (run) => `/leader/big-${run}/elect`;

export default async function smoke(t) {
  const { req, check, isError, badNames, run } = t;
  await t.requiresToken([["GET", `/leader/auth-${run}`], ["POST", `/leader/auth-${run}/elect`]]);
  console.log("leader election");
  const group = `g-${run}`;
  let r = await req("GET", `/leader/${group}`);
  check(r.status === 200 && JSON.stringify(r.json) === '{"leader":null,"term":0}', "no leader yet, term 0", r.json);
  r = await req("POST", `/leader/${group}/elect`, { candidate: "a" });
  const first = r.json;
  check(
    r.status === 200 && first?.leader === "a" && first.elected === true && typeof first.expiresAt === "number" && first.term === 1 && /^[A-Za-z0-9_-]{22,}$/.test(first.token ?? ""),
    "a elected with a token and term 1",
    first,
  );
  r = await req("POST", `/leader/${group}/elect`, { candidate: "b" });
  check(r.status === 200 && r.json?.leader === "a" && r.json.elected === false && r.json.term === 1 && !("token" in r.json), "b not elected, no token", r.json);
  r = await req("POST", `/leader/${group}/elect`, { candidate: "a" });
  check(r.status === 200 && r.json?.elected === false && !("token" in r.json), "elect with the leader's name does not hand out its token", r.json);
  r = await req("POST", `/leader/${group}/heartbeat`, { candidate: "a", token: "x".repeat(24) });
  check(r.status === 409, "heartbeat by a with a wrong token -> 409", r.status);
  r = await req("POST", `/leader/${group}/heartbeat`, { candidate: "b", token: first?.token });
  check(r.status === 409, "heartbeat by b with a's token -> 409", r.status);
  r = await req("POST", `/leader/${group}/heartbeat`, { candidate: "a" });
  check(isError(r, 400), "heartbeat without a token -> 400", r.status);
  r = await req("POST", `/leader/${group}/heartbeat`, { candidate: "a", token: first?.token });
  check(r.status === 200 && r.json?.leader === "a" && r.json.term === 1, "heartbeat by a with its token -> 200", r.json);
  r = await req("GET", `/leader/${group}`);
  check(JSON.stringify(r.json) === '{"leader":"a","term":1}', "GET leader a, term 1", r.json);
  r = await req("POST", `/leader/${group}/release`, { candidate: "a", token: "x".repeat(24) });
  check(r.status === 409, "release with a wrong token -> 409", r.status);
  r = await req("POST", `/leader/${group}/release`, { candidate: "a", token: first?.token });
  check(r.status === 200, "release by a with its token", r.status);
  r = await req("GET", `/leader/${group}`);
  check(JSON.stringify(r.json) === '{"leader":null,"term":1}', "no leader after release, term kept", r.json);
  r = await req("POST", `/leader/${group}/elect`, { candidate: "b" });
  check(r.json?.elected === true && r.json.term === 2 && r.json.token !== first?.token, "b elected: term 2, a new token", r.json);
  r = await req("POST", `/leader/${group}/elect`, {});
  check(isError(r, 400), "elect without candidate -> 400", r.status);
  r = await req("POST", `/leader/${group}/elect`, "nope");
  check(isError(r, 400), "elect not json -> 400", r.status);
  for (const bad of badNames) {
    r = await req("POST", `/leader/${bad}/elect`, { candidate: "a" });
    check(isError(r, 400), `elect in ${bad} -> 400`, r.status);
  }
}
