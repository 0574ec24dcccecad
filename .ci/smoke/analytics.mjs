// Drives the analytics routes of a Worker under `wrangler dev` as a client would.

/** A route that reads a JSON body, for the 64 KiB limit. */
export const bodyRoute = (run) => `/metrics/big-${run}`;

export default async function smoke(t) {
  const { req, check, isError, badNames, run } = t;
  await t.requiresToken([["POST", `/metrics/auth-${run}`], ["GET", `/metrics/auth-${run}`]]);
  console.log("analytics");
  const name = `m-${run}`;
  let r = await req("POST", `/metrics/${name}`, { value: 5 });
  check(r.status === 204 && r.text === "", "POST value 5 -> 204", r);
  r = await req("POST", `/metrics/${name}`, {});
  check(r.status === 204, "POST {} -> 204", r.status);
  r = await req("GET", `/metrics/${name}`);
  check(r.status === 200 && JSON.stringify(r.json) === JSON.stringify({ name, total: 6, count: 2 }), "GET totals", r.json);
  const now = Date.now();
  r = await req("GET", `/metrics/${name}/series?from=${now - 600000}&to=${now + 60000}&bucket=60`);
  check(r.status === 200 && Array.isArray(r.json) && r.json.reduce((s, p) => s + p.total, 0) === 6, "series sums", r.json);
  check(r.json?.every((p) => Object.keys(p).sort().join() === "bucket,total" && p.bucket % 60000 === 0), "series shape", r.json);
  for (const body of ['{"value":1.7e308}', '{"value":-1e13}']) {
    r = await req("POST", `/metrics/${name}`, body);
    check(isError(r, 400), `POST ${body} -> 400 (totals stay finite)`, r.status);
  }
  r = await req("GET", `/metrics/${name}`);
  check(r.json?.total === 6, "total unchanged by refused values", r.json);
  r = await req("POST", `/metrics/${name}`, { value: "x" });
  check(isError(r, 400), "POST value x -> 400", r.status);
  r = await req("POST", `/metrics/${name}`, "nope");
  check(isError(r, 400), "POST not json -> 400", r.status);
  r = await req("GET", `/metrics/${name}/series?bucket=0`);
  check(isError(r, 400), "series bucket=0 -> 400", r.status);
  for (const bad of badNames) {
    r = await req("GET", `/metrics/${bad}`);
    check(isError(r, 400), `GET /metrics/${bad} -> 400`, r.status);
  }
}
