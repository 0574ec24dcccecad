// Drives the chat routes of a Worker under `wrangler dev` as a client would.
export default async function smoke(t) {
  const { req, check, isError, badNames, run, openSocket } = t;
  const page = await req("GET", "/chat.html", undefined, { authorization: null });
  check(page.status === 200 && (page.headers.get("content-type") ?? "").includes("text/html") && page.text.includes("WebSocket"), "GET /chat.html serves the chat page", page.status);
  const open = await req("GET", `/chat/open-${run}/messages`, undefined, { authorization: null });
  check(open.status === 200, "chat history needs no token", open.status);
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
