// Drives the dedup route of a Worker under `wrangler dev` as a client would:
// the first answer, replays with Idempotent-Replayed, 422 for another body,
// concurrent duplicates answered once, 400 on bad keys and bodies, 401, 405.
export default async function smoke(t) {
  await t.requiresToken([["POST", `/idempotent/auth-${t.run}`]]);
  console.log("dedup");
  const key = `key-${t.run}`;
  let r = await t.req("POST", `/idempotent/${key}`, { amount: 10, currency: "EUR" });
  const first = r;
  t.check(
    r.status === 200 && typeof r.json?.id === "string" && r.json.received?.amount === 10 && r.headers.get("idempotent-replayed") === null,
    "POST /idempotent/:key -> 200 {id, received}, not replayed",
    r.json,
  );
  r = await t.req("POST", `/idempotent/${key}`, { currency: "EUR", amount: 10 });
  t.check(r.status === 200 && r.headers.get("idempotent-replayed") === "true" && r.text === first.text, "the same key and JSON -> the stored answer, Idempotent-Replayed: true", r.text);
  r = await t.req("POST", `/idempotent/${key}`, { amount: 11, currency: "EUR" });
  t.check(t.isError(r, 422), "the same key with a different body -> 422", r.status);

  // Concurrent duplicates on a fresh key: one answer, given once and replayed to the rest.
  const burst = `burst-${t.run}`;
  const answers = await Promise.all(Array.from({ length: 6 }, () => t.req("POST", `/idempotent/${burst}`, { order: 7 })));
  t.check(answers.every((answer) => answer.status === 200 && answer.text === answers[0].text), "6 concurrent duplicates -> one answer", answers.map((answer) => answer.status));
  t.check(answers.filter((answer) => answer.headers.get("idempotent-replayed") === null).length === 1, "exactly one of them is not a replay", answers.map((answer) => answer.headers.get("idempotent-replayed")));

  for (const body of ["nope", "[]", "7", ""]) {
    r = await t.req("POST", `/idempotent/${key}`, body);
    t.check(t.isError(r, 400), `POST with body ${JSON.stringify(body)} -> 400`, r.status);
  }
  for (const bad of t.badNames) {
    r = await t.req("POST", `/idempotent/${bad}`, { amount: 1 });
    t.check(t.isError(r, 400), `POST /idempotent/${bad} -> 400`, r.status);
  }
  r = await t.req("POST", `/idempotent/${key}`, { amount: 10, currency: "EUR" }, { authorization: null });
  t.check(t.isError(r, 401), "POST /idempotent/:key without a token -> 401", r.status);
  r = await t.req("GET", `/idempotent/${key}`);
  t.check(t.isError(r, 405) && r.headers.get("allow") === "POST", "GET /idempotent/:key -> 405 Allow: POST", r.status);
}
