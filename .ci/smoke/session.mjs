// Drives the session routes of a Worker under `wrangler dev` as a client would.

/** A route that reads a JSON body, for the 64 KiB limit. */
export const bodyRoute = () => "/session";

export default async function smoke(t) {
  const { req, check, isError, badNames, run } = t;
  await t.requiresToken([["POST", "/session"], ["GET", `/session/auth-${run}`]]);
  console.log("session");
  let r = await req("PUT", `/session/s-${run}`, { theme: "dark" });
  check(isError(r, 404), "PUT on a client-chosen id -> 404 (no session is created)", r.status);
  r = await req("POST", "/session", { theme: "dark" });
  const id = r.json?.id;
  check(r.status === 201 && typeof id === "string" && /^[A-Za-z0-9_-]{22,64}$/.test(id), "POST /session -> 201 with a server-issued id", r.json);
  const other = await req("POST", "/session");
  check(other.status === 201 && other.json?.id !== id, "POST /session (empty body) -> 201 with another id", other.json);
  r = await req("GET", `/session/${id}`);
  check(r.status === 200 && r.json?.theme === "dark", "GET the created session", r.json);
  r = await req("PUT", `/session/${id}`, { lang: "en" });
  check(r.status === 200 && r.json?.theme === "dark" && r.json?.lang === "en", "PUT merges", r.json);
  r = await req("POST", `/session/${id}/cart`, { item: "apple", quantity: 2 });
  r = await req("POST", `/session/${id}/cart`, { item: "apple", quantity: 1 });
  check(r.status === 200 && JSON.stringify(r.json?.cart) === JSON.stringify([{ item: "apple", quantity: 3 }]), "cart adds up", r.json);
  for (const body of ["nope", "[1]", '{"item":5}']) {
    r = await req("POST", `/session/${id}/cart`, body);
    check(isError(r, 400), `cart body ${body} -> 400`, r.status);
  }
  r = await req("PUT", `/session/${id}`, "not json");
  check(isError(r, 400), "PUT not json -> 400", r.status);
  r = await req("DELETE", `/session/${id}`);
  check(r.status === 204, "DELETE -> 204", r.status);
  r = await req("GET", `/session/${id}`);
  check(isError(r, 404), "GET after DELETE -> 404", r.status);
  r = await req("POST", `/session/${id}/cart`, { item: "apple" });
  check(isError(r, 404), "cart after DELETE -> 404", r.status);
  for (const name of badNames) {
    r = await req("GET", `/session/${name}`);
    check(isError(r, 400), `GET /session/${name} -> 400`, r.status);
  }
  r = await req("PATCH", `/session/${id}`, { a: 1 });
  check(isError(r, 405) && r.headers.get("allow") === "GET, PUT, DELETE", "PATCH -> 405 Allow", r.headers.get("allow"));
}
