// Drives the webhook-queue routes of a Worker under `wrangler dev` as a
// sender and an operator would: intake (202, a repeated webhook-id once),
// delivery by alarm (the default deliver hook), the counts, the dead letters
// and a retry, 400/401/404. The project's .dev.vars sets no WEBHOOK_SECRET,
// so intake is open here (the vitest tests cover signatures).
export default async function smoke(t) {
  await t.requiresToken([["GET", `/webhooks/auth-${t.run}`], ["GET", `/webhooks/auth-${t.run}/dead`], ["POST", `/webhooks/auth-${t.run}/dead/one/retry`]]);
  console.log("webhook queue");
  const source = `src-${t.run}`;
  const headers = { authorization: null, "webhook-id": `msg_${t.run}` };
  let r = await t.req("POST", `/webhooks/${source}`, { type: "smoke.test", n: 1 }, headers);
  t.check(r.status === 202 && typeof r.json?.id === "string" && r.json?.queued === true, "POST /webhooks/:source -> 202 queued", r);
  const id = r.json?.id;
  r = await t.req("POST", `/webhooks/${source}`, { type: "smoke.test", n: 1 }, headers);
  t.check(r.status === 202 && r.json?.id === id, "a repeated webhook-id -> 202, same id", r.json);

  r = await t.req("POST", `/webhooks/${source}`, "not json", { authorization: null });
  t.check(t.isError(r, 400), "POST /webhooks/:source with a body that is not JSON -> 400", r.status);
  for (const name of t.badNames) {
    r = await t.req("POST", `/webhooks/${name}`, {}, { authorization: null });
    t.check(t.isError(r, 400), `POST /webhooks/${name} -> 400`, r.status);
  }

  // The alarm that intake set delivers the event (no WEBHOOK_TARGET_URL: the deliver hook).
  let counts;
  for (let wait = 0; wait < 50; wait++) {
    r = await t.req("GET", `/webhooks/${source}`);
    counts = r.json;
    if (counts?.delivered === 1) break;
    await t.sleep(100);
  }
  t.check(r.status === 200 && counts?.pending === 0 && counts?.delivered === 1 && counts?.dead === 0, "GET /webhooks/:source -> delivered by the alarm", counts);

  r = await t.req("GET", `/webhooks/${source}`, undefined, { authorization: null });
  t.check(t.isError(r, 401), "GET /webhooks/:source without a token -> 401", r.status);
  r = await t.req("GET", `/webhooks/${source}/dead`, undefined, { authorization: null });
  t.check(t.isError(r, 401), "GET /webhooks/:source/dead without a token -> 401", r.status);
  r = await t.req("GET", `/webhooks/${source}/dead?limit=10`);
  t.check(r.status === 200 && Array.isArray(r.json) && r.json.length === 0, "GET /webhooks/:source/dead -> []", r.json);
  r = await t.req("GET", `/webhooks/${source}/dead?limit=abc`);
  t.check(t.isError(r, 400), "GET /webhooks/:source/dead?limit=abc -> 400", r.status);
  r = await t.req("POST", `/webhooks/${source}/dead/${id}/retry`);
  t.check(t.isError(r, 404), "retrying an event that is not a dead letter -> 404", r.status);
  r = await t.req("POST", `/webhooks/${source}/dead/bad.id/retry`);
  t.check(t.isError(r, 400), "retrying an invalid id -> 400", r.status);
  r = await t.req("DELETE", `/webhooks/${source}`);
  t.check(t.isError(r, 405), "DELETE /webhooks/:source -> 405", r.status);
}
