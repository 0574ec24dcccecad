// Drives the sharded-counter routes of a Worker under `wrangler dev` as a client would.
export default async function smoke(t) {
  await t.requiresToken([["POST", `/counter/auth-${t.run}`], ["GET", `/counter/auth-${t.run}`]]);
  console.log("sharded-counter");
  const counter = `counter-${t.run}`;
  let r = await t.req("GET", `/counter/${counter}`);
  t.check(r.status === 200 && r.json?.name === counter && r.json?.value === 0 && Number.isInteger(r.json?.shards) && r.json.shards >= 1, "GET /counter/:name starts at 0 with its shard count", r);
  const shards = r.json?.shards;

  r = await t.req("POST", `/counter/${counter}`);
  t.check(r.status === 204 && r.text === "", "POST /counter/:name without a body adds 1 -> 204", r);
  // Many increments at once, spread over the shards: the sum is exact.
  const amounts = Array.from({ length: 40 }, (_, index) => (index % 5) - 1);
  const results = await Promise.all(amounts.map((by) => t.req("POST", `/counter/${counter}`, { by })));
  t.check(results.every((result) => result.status === 204), "40 concurrent POST /counter/:name {by} -> 204", results.map((result) => result.status));
  r = await t.req("GET", `/counter/${counter}`);
  const expected = 1 + amounts.reduce((sum, by) => sum + by, 0);
  t.check(r.status === 200 && r.json?.value === expected && r.json?.shards === shards, `GET /counter/:name sums the shards exactly (${expected})`, r.json);
  t.check(Object.keys(r.json ?? {}).sort().join() === "name,shards,value", "counter view has exactly name,value,shards", r.json);

  for (const body of ["not json", "[]", { by: 1.5 }, { by: "2" }, { by: null }]) {
    r = await t.req("POST", `/counter/${counter}`, body);
    t.check(t.isError(r, 400), `POST /counter/:name ${JSON.stringify(body)} -> 400`, r.status);
  }
  for (const name of t.badNames) {
    r = await t.req("GET", `/counter/${name}`);
    t.check(t.isError(r, 400), `GET /counter/${name} -> 400`, r.status);
    r = await t.req("POST", `/counter/${name}`, { by: 1 });
    t.check(t.isError(r, 400), `POST /counter/${name} -> 400`, r.status);
  }
  for (const method of ["GET", "POST"]) {
    r = await t.req(method, `/counter/${counter}`, undefined, { authorization: null });
    t.check(t.isError(r, 401), `${method} /counter/:name without a token -> 401`, r.status);
  }
  r = await t.req("DELETE", `/counter/${counter}`);
  t.check(t.isError(r, 405) && r.headers.get("allow") === "GET, POST", "DELETE /counter/:name -> 405 Allow GET, POST", r.status);
  r = await t.req("GET", `/counter/${counter}`);
  t.check(r.json?.value === expected, "refused requests changed nothing", r.json);
}
