// Drives the lock routes of a Worker under `wrangler dev` as a client would:
// acquire, refusal while held, release by token only, fences that grow,
// expiry, 400 on bad names and bodies, 401 without the token, 405.
export default async function smoke(t) {
  await t.requiresToken([["POST", `/lock/auth-${t.run}/acquire`], ["POST", `/lock/auth-${t.run}/release`], ["GET", `/lock/auth-${t.run}`]]);
  console.log("lock");
  const name = `lock-${t.run}`;
  let r = await t.req("GET", `/lock/${name}`);
  t.check(r.status === 200 && r.json?.locked === false && r.json.expiresAt === null && r.json.fence === 0, "GET /lock/:name of a new lock: free, fence 0", r.json);

  r = await t.req("POST", `/lock/${name}/acquire`, { owner: "smoke-a" });
  const first = r.json ?? {};
  t.check(
    r.status === 200 && first.acquired === true && /^[A-Za-z0-9_-]{24}$/.test(first.token) && first.fence === 1 && first.expiresAt > Date.now(),
    "acquire a free lock -> 200 with token, fence 1, expiresAt",
    r.json,
  );
  r = await t.req("POST", `/lock/${name}/acquire`, { owner: "smoke-b" });
  t.check(r.status === 409 && r.json?.acquired === false && r.json.expiresAt === first.expiresAt, "acquire a held lock -> 409 with its expiry", r.json);
  r = await t.req("GET", `/lock/${name}`);
  t.check(r.json?.locked === true && r.json.expiresAt === first.expiresAt && r.json.fence === 1, "GET shows the lock held", r.json);

  r = await t.req("POST", `/lock/${name}/release`, { token: "x".repeat(24) });
  t.check(t.isError(r, 409), "release with a wrong token -> 409", r.status);
  r = await t.req("POST", `/lock/${name}/release`, { token: first.token });
  t.check(r.status === 200 && r.json?.released === true, "release with the token -> 200 released", r.json);
  r = await t.req("POST", `/lock/${name}/release`, { token: first.token });
  t.check(t.isError(r, 409), "release twice -> 409", r.status);

  // Concurrent acquires: exactly one wins, with the next fence.
  const racers = await Promise.all(Array.from({ length: 6 }, (_, index) => t.req("POST", `/lock/${name}/acquire`, { owner: `racer-${index}`, ttlSeconds: 1 })));
  const winners = racers.filter((response) => response.status === 200);
  t.check(winners.length === 1 && winners[0].json.fence === 2, "6 concurrent acquires -> one winner, fence 2", racers.map((response) => response.status));
  t.check(racers.every((response) => response.status === 200 || response.status === 409), "the losers get 409", racers.map((response) => response.status));

  // The 1-second lease runs out; the lock is free again, and the fence grows on.
  await t.sleep(1500);
  r = await t.req("GET", `/lock/${name}`);
  t.check(r.json?.locked === false && r.json.fence === 2, "an expired lease frees the lock", r.json);
  r = await t.req("POST", `/lock/${name}/acquire`, { owner: "smoke-c", ttlSeconds: 60 });
  t.check(r.status === 200 && r.json?.fence === 3, "acquire after expiry -> fence 3", r.json);
  await t.req("POST", `/lock/${name}/release`, { token: r.json?.token });

  for (const body of ["nope", "[]", {}, { owner: "" }, { owner: "a", ttlSeconds: 0 }, { owner: "a", ttlSeconds: 3601 }, { owner: "a", ttlSeconds: 1.5 }]) {
    r = await t.req("POST", `/lock/${name}/acquire`, body);
    t.check(t.isError(r, 400), `acquire with ${JSON.stringify(body)} -> 400`, r.status);
  }
  r = await t.req("POST", `/lock/${name}/release`, {});
  t.check(t.isError(r, 400), "release without a token -> 400", r.status);
  for (const bad of t.badNames) {
    r = await t.req("GET", `/lock/${bad}`);
    t.check(t.isError(r, 400), `GET /lock/${bad} -> 400`, r.status);
    r = await t.req("POST", `/lock/${bad}/acquire`, { owner: "a" });
    t.check(t.isError(r, 400), `POST /lock/${bad}/acquire -> 400`, r.status);
  }
  for (const [method, path] of [
    ["GET", `/lock/${name}`],
    ["POST", `/lock/${name}/acquire`],
    ["POST", `/lock/${name}/release`],
  ]) {
    r = await t.req(method, path, undefined, { authorization: null });
    t.check(t.isError(r, 401), `${method} ${path} without a token -> 401`, r.status);
  }
  r = await t.req("GET", `/lock/${name}/acquire`);
  t.check(t.isError(r, 405) && r.headers.get("allow") === "POST", "GET /lock/:name/acquire -> 405 Allow: POST", r.status);
}
