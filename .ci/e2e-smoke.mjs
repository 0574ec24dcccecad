// Drives a generated Worker running under `wrangler dev` over HTTP and
// WebSockets, route by route as the spec's HTTP surface describes it: status
// codes, JSON shapes, Retry-After, 426 without Upgrade, 404 and 405. Run by
// .ci/e2e against the generated project with the most classes.
//
//   node .ci/e2e-smoke.mjs BASE_URL CLASSES
//
// CLASSES is a comma-separated list of the project's Durable Object classes;
// the routes of the others are skipped. Node 22 (global fetch and WebSocket).
const base = process.argv[2] ?? "http://127.0.0.1:8787";
const classes = new Set((process.argv[3] ?? "ChatRoom,RateLimiter,UserSession,Analytics,LeaderElection").split(","));
const run = Math.random().toString(36).slice(2, 8);
let failures = 0;
let checks = 0;

function check(condition, what, detail) {
  checks++;
  if (!condition) {
    failures++;
    console.log(`  FAIL ${what}${detail === undefined ? "" : `: ${JSON.stringify(detail)}`}`);
  }
}

async function req(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  let json;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

function isError(r, status) {
  return r.status === status && typeof r.json?.error === "string" && (r.headers.get("content-type") ?? "").includes("application/json");
}

const badNames = ["bad%20name", "a.b", "x".repeat(65), "%C3%A9"];

async function common() {
  console.log("routing");
  for (const path of ["/", "/nope", "/chat", "/limit", "/metrics/a/b/c"]) {
    const r = await req("GET", path);
    check(isError(r, 404), `GET ${path} -> 404 JSON`, r);
  }
}

function openSocket(path) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, "ws") + path);
    const frames = [];
    const waiters = [];
    ws.addEventListener("message", (event) => {
      let frame = event.data;
      try {
        frame = JSON.parse(event.data);
      } catch {}
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    });
    ws.addEventListener("open", () =>
      resolve({
        ws,
        next: (ms = 3000) =>
          new Promise((res, rej) => {
            if (frames.length) return res(frames.shift());
            const timer = setTimeout(() => rej(new Error("timeout waiting for frame")), ms);
            waiters.push((f) => {
              clearTimeout(timer);
              res(f);
            });
          }),
      }),
    );
    ws.addEventListener("error", (e) => reject(new Error(`websocket error ${e.message ?? ""}`)));
  });
}

async function chat() {
  console.log("chat");
  const room = `room-${run}`;
  let r = await req("GET", `/chat/${room}`);
  check(r.status === 426 && typeof r.json?.error === "string", "GET /chat/:room without Upgrade -> 426 JSON", r);
  for (const name of badNames) {
    r = await req("GET", `/chat/${name}`);
    check(isError(r, 400), `GET /chat/${name} -> 400`, r.status);
    r = await req("GET", `/chat/${name}/messages`);
    check(isError(r, 400), `GET /chat/${name}/messages -> 400`, r.status);
  }
  r = await req("POST", `/chat/${room}`);
  check(isError(r, 405) && r.headers.get("allow") === "GET", "POST /chat/:room -> 405 Allow GET", r.status);

  const alice = await openSocket(`/chat/${room}?user=alice`);
  const bob = await openSocket(`/chat/${room}?user=bob`);
  const before = Date.now();
  alice.ws.send(JSON.stringify({ type: "message", text: "hello" }));
  for (const [who, s] of [["alice", alice], ["bob", bob]]) {
    const frame = await s.next();
    check(
      frame?.type === "message" && frame.user === "alice" && frame.text === "hello" && typeof frame.at === "number" && frame.at >= before - 5000,
      `${who} receives the broadcast`,
      frame,
    );
    check(Object.keys(frame).sort().join() === "at,text,type,user", "broadcast has exactly type,user,text,at", frame);
  }
  bob.ws.send(JSON.stringify({ type: "message", text: "hi alice" }));
  await alice.next();
  await bob.next();
  alice.ws.send("ping");
  check((await alice.next()) === "pong", "ping -> pong");
  r = await req("GET", `/chat/${room}/messages?limit=1`);
  check(r.status === 200 && Array.isArray(r.json) && r.json.length === 1 && r.json[0].text === "hi alice", "messages?limit=1 newest first", r.json);
  r = await req("GET", `/chat/${room}/messages`);
  check(r.status === 200 && r.json?.length === 2 && r.json[0].text === "hi alice" && r.json[1].text === "hello", "messages newest first", r.json);
  r = await req("GET", `/chat/${room}/messages?limit=abc`);
  check(isError(r, 400), "messages?limit=abc -> 400", r.status);
  alice.ws.close(1000, "bye");
  bob.ws.close(1000, "bye");
}

async function limiter() {
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

async function session() {
  console.log("session");
  const id = `s-${run}`;
  let r = await req("GET", `/session/${id}`);
  check(isError(r, 404), "GET absent session -> 404", r.status);
  r = await req("PUT", `/session/${id}`, { theme: "dark" });
  check(r.status === 200 && r.json?.theme === "dark", "PUT merges", r.json);
  r = await req("PUT", `/session/${id}`, { lang: "en" });
  r = await req("GET", `/session/${id}`);
  check(r.status === 200 && r.json?.theme === "dark" && r.json?.lang === "en", "GET returns merged session", r.json);
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
  for (const name of badNames) {
    r = await req("GET", `/session/${name}`);
    check(isError(r, 400), `GET /session/${name} -> 400`, r.status);
  }
  r = await req("PATCH", `/session/${id}`, { a: 1 });
  check(isError(r, 405) && r.headers.get("allow") === "GET, PUT, DELETE", "PATCH -> 405 Allow", r.headers.get("allow"));
}

async function analytics() {
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

async function leader() {
  console.log("leader election");
  const group = `g-${run}`;
  let r = await req("GET", `/leader/${group}`);
  check(r.status === 200 && JSON.stringify(r.json) === '{"leader":null}', "no leader yet", r.json);
  r = await req("POST", `/leader/${group}/elect`, { candidate: "a" });
  check(r.status === 200 && r.json?.leader === "a" && r.json.elected === true && typeof r.json.expiresAt === "number", "a elected", r.json);
  r = await req("POST", `/leader/${group}/elect`, { candidate: "b" });
  check(r.status === 200 && r.json?.leader === "a" && r.json.elected === false, "b not elected", r.json);
  r = await req("POST", `/leader/${group}/heartbeat`, { candidate: "b" });
  check(r.status === 409, "heartbeat by b -> 409", r.status);
  r = await req("POST", `/leader/${group}/heartbeat`, { candidate: "a" });
  check(r.status === 200 && r.json?.leader === "a", "heartbeat by a -> 200", r.json);
  r = await req("GET", `/leader/${group}`);
  check(JSON.stringify(r.json) === '{"leader":"a"}', "GET leader a", r.json);
  r = await req("POST", `/leader/${group}/release`, { candidate: "a" });
  check(r.status === 200, "release by a", r.status);
  r = await req("GET", `/leader/${group}`);
  check(JSON.stringify(r.json) === '{"leader":null}', "no leader after release", r.json);
  r = await req("POST", `/leader/${group}/elect`, {});
  check(isError(r, 400), "elect without candidate -> 400", r.status);
  r = await req("POST", `/leader/${group}/elect`, "nope");
  check(isError(r, 400), "elect not json -> 400", r.status);
  for (const bad of badNames) {
    r = await req("POST", `/leader/${bad}/elect`, { candidate: "a" });
    check(isError(r, 400), `elect in ${bad} -> 400`, r.status);
  }
}

try {
  await common();
  if (classes.has("ChatRoom")) await chat();
  if (classes.has("RateLimiter")) await limiter();
  if (classes.has("UserSession")) await session();
  if (classes.has("Analytics")) await analytics();
  if (classes.has("LeaderElection")) await leader();
} catch (error) {
  failures++;
  console.log(`  FAIL ${error.stack ?? error}`);
}
console.log(`smoke: ${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
