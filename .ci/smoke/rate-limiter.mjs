// Drives the rate-limiter routes of a Worker under `wrangler dev` as a client would.
export default async function smoke(t) {
  const { req, check, isError, badNames, run } = t;
  await t.requiresToken([["POST", `/limit/auth-${run}`]]);
  console.log("rate limiter");
  const key = `key-${run}`;
  let r = await req("POST", `/limit/${key}`);
  check(r.status === 200 && r.json?.allowed === true && typeof r.json.remaining === "number", "POST /limit/:key -> 200 allowed", r.json);
  const limit = r.json.remaining + 1;
  for (let i = 1; i < limit; i++) r = await req("POST", `/limit/${key}`);
  check(r.status === 200 && r.json?.remaining === 0, "remaining reaches 0", r.json);
  r = await req("POST", `/limit/${key}`);
  const retry = r.headers.get("retry-after");
  check(r.status === 429 && r.json?.allowed === false && typeof r.json.retryAfter === "number", "429 over the limit", r.json);
  check(retry !== null && Number(retry) === r.json?.retryAfter, "Retry-After header matches retryAfter", retry);
  check(Object.keys(r.json ?? {}).sort().join() === "allowed,retryAfter", "429 body is exactly allowed,retryAfter", r.json);
  for (const name of badNames) {
    r = await req("POST", `/limit/${name}`);
    check(isError(r, 400), `POST /limit/${name} -> 400`, r.status);
  }
  r = await req("GET", `/limit/${key}`);
  check(isError(r, 405) && r.headers.get("allow") === "POST", "GET /limit/:key -> 405 Allow POST", r.status);
}
