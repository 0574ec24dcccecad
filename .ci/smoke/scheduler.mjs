// Drives the scheduler routes of a Worker under `wrangler dev` as a client would.
export default async function smoke(t) {
  await t.requiresToken([["POST", `/schedule/auth-${t.run}`], ["GET", `/schedule/auth-${t.run}`], ["GET", `/schedule/auth-${t.run}/runs`], ["DELETE", `/schedule/auth-${t.run}/one`]]);
  console.log("scheduler");
  const schedule = `sched-${t.run}`;
  const path = `/schedule/${schedule}`;
  const now = Date.now();
  let r = await t.req("GET", path);
  t.check(r.status === 200 && Array.isArray(r.json) && r.json.length === 0, "GET /schedule/:name starts empty", r);

  // Two far-off events, stored out of order, listed by runAt.
  r = await t.req("POST", path, { id: "later", runAt: now + 7_200_000, payload: { note: "two hours" } });
  t.check(r.status === 201 && r.json?.id === "later" && r.json?.repeatSeconds === null && r.json?.payload?.note === "two hours", "POST /schedule/:name -> 201 with the event", r);
  r = await t.req("POST", path, { id: "sooner", runAt: now + 3_600_000 });
  t.check(r.status === 201, "POST a second event -> 201", r.status);
  r = await t.req("GET", path);
  t.check(r.status === 200 && r.json?.map((event) => event.id).join() === "sooner,later", "GET /schedule/:name lists events by runAt", r.json);

  // Due soon: a one-time event and a repeating one; the alarm runs them.
  r = await t.req("POST", path, { id: "once", runAt: Date.now() + 500, payload: { hello: "world" } });
  t.check(r.status === 201, "POST a one-time event due in 0.5 s -> 201", r.status);
  r = await t.req("POST", path, { id: "tick", runAt: Date.now() + 500, repeatSeconds: 1 });
  t.check(r.status === 201 && r.json?.repeatSeconds === 1, "POST a repeating event (every 1 s) -> 201", r);
  let runs = [];
  for (let waited = 0; waited < 10_000; waited += 250) {
    await t.sleep(250);
    r = await t.req("GET", `${path}/runs`);
    runs = r.json ?? [];
    if (runs.filter((run) => run.id === "tick").length >= 2 && runs.some((run) => run.id === "once")) break;
  }
  t.check(runs.filter((run) => run.id === "once").length === 1, "the alarm ran the one-time event once", runs);
  t.check(runs.filter((run) => run.id === "tick").length >= 2, "the alarm ran the repeating event again a second later", runs);
  t.check(runs.every((run) => typeof run.runAt === "number" && typeof run.ranAt === "number" && run.ranAt >= run.runAt), "runs have id, runAt, ranAt", runs);
  t.check(runs.every((run, index) => index === 0 || runs[index - 1].ranAt >= run.ranAt), "GET /schedule/:name/runs lists runs newest first", runs);
  r = await t.req("GET", path);
  const ids = (r.json ?? []).map((event) => event.id);
  t.check(!ids.includes("once") && ids.includes("tick") && ids.at(-1) === "later", "the one-time event is gone, the repeating one stays", r.json);
  r = await t.req("GET", `${path}/runs?limit=1`);
  t.check(r.status === 200 && r.json?.length === 1, "GET /schedule/:name/runs?limit=1 -> one run", r.json);

  r = await t.req("DELETE", `${path}/tick`);
  t.check(r.status === 204, "DELETE /schedule/:name/:id -> 204", r.status);
  r = await t.req("DELETE", `${path}/tick`);
  t.check(t.isError(r, 404), "DELETE it again -> 404", r.status);
  r = await t.req("GET", path);
  t.check(r.json?.map((event) => event.id).join() === "sooner,later", "deleted events are no longer listed", r.json);

  for (const body of ["not json", "[]", {}, { id: "bad id", runAt: now }, { id: "a", runAt: "soon" }, { id: "a", runAt: now, repeatSeconds: 0 }, { id: "a", runAt: now, payload: [1] }]) {
    r = await t.req("POST", path, body);
    t.check(t.isError(r, 400), `POST /schedule/:name ${JSON.stringify(body)} -> 400`, r.status);
  }
  for (const name of t.badNames) {
    r = await t.req("GET", `/schedule/${name}`);
    t.check(t.isError(r, 400), `GET /schedule/${name} -> 400`, r.status);
    r = await t.req("GET", `/schedule/${name}/runs`);
    t.check(t.isError(r, 400), `GET /schedule/${name}/runs -> 400`, r.status);
    r = await t.req("DELETE", `${path}/${name}`);
    t.check(t.isError(r, 400), `DELETE /schedule/:name/${name} -> 400`, r.status);
  }
  for (const [method, target] of [["GET", path], ["POST", path], ["GET", `${path}/runs`], ["DELETE", `${path}/sooner`]]) {
    r = await t.req(method, target, undefined, { authorization: null });
    t.check(t.isError(r, 401), `${method} ${target.replace(schedule, ":name")} without a token -> 401`, r.status);
  }
  r = await t.req("PUT", path);
  t.check(t.isError(r, 405) && r.headers.get("allow") === "GET, POST", "PUT /schedule/:name -> 405 Allow GET, POST", r.status);
  r = await t.req("GET", `${path}/other`);
  t.check(t.isError(r, 404), "GET /schedule/:name/other -> 404", r.status);

  for (const id of ["sooner", "later"]) await t.req("DELETE", `${path}/${id}`);
  r = await t.req("GET", path);
  t.check(r.json?.length === 0, "every event deleted", r.json);
}
