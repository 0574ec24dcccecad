// Drives the collab routes of a Worker under `wrangler dev` as a client would:
// the page at /doc, GET /doc/:id over WebSockets (init, ack, broadcast,
// conflict on a stale version, the size limit) and GET /doc/:id/content.
export default async function smoke(t) {
  console.log("collab");
  const id = `doc-${t.run}`;
  let r = await t.req("GET", "/doc", undefined, { authorization: null });
  t.check(r.status === 200 && (r.headers.get("content-type") ?? "").includes("text/html") && r.text.includes("/doc/"), "GET /doc serves the page", r.status);

  r = await t.req("GET", `/doc/${id}`, undefined, { authorization: null });
  t.check(t.isError(r, 426), "GET /doc/:id without Upgrade -> 426 JSON", r.status);
  for (const name of t.badNames) {
    r = await t.req("GET", `/doc/${name}/content`);
    t.check(t.isError(r, 400), `GET /doc/${name}/content -> 400`, r.status);
  }
  r = await t.req("POST", `/doc/${id}`);
  t.check(t.isError(r, 405) && r.headers.get("allow") === "GET", "POST /doc/:id -> 405 Allow GET", r.status);

  r = await t.req("GET", `/doc/${id}/content`, undefined, { authorization: null });
  t.check(r.status === 200 && r.json?.content === "" && r.json?.version === 0, "a new document is empty, version 0, and open", r.json);

  const alice = await t.openSocket(`/doc/${id}?user=alice`);
  const bob = await t.openSocket(`/doc/${id}?user=bob`);
  try {
    let frame = await alice.next();
    t.check(frame?.type === "init" && frame.content === "" && frame.version === 0, "init frame first", frame);
    frame = await bob.next();
    t.check(frame?.type === "init" && frame.version === 0, "init frame for the second editor", frame);

    alice.ws.send(JSON.stringify({ type: "edit", content: "hello from alice", baseVersion: 0 }));
    frame = await alice.next();
    t.check(frame?.type === "ack" && frame.version === 1, "the sender gets an ack with the new version", frame);
    frame = await bob.next();
    t.check(frame?.type === "edit" && frame.content === "hello from alice" && frame.version === 1 && frame.by === "alice", "the other editor gets the edit", frame);

    bob.ws.send(JSON.stringify({ type: "edit", content: "bob edited version 0", baseVersion: 0 }));
    frame = await bob.next();
    t.check(frame?.type === "conflict" && frame.content === "hello from alice" && frame.version === 1, "a stale baseVersion -> conflict with the current content", frame);

    bob.ws.send(JSON.stringify({ type: "edit", content: "x".repeat(300_000), baseVersion: 1 }));
    frame = await bob.next();
    t.check(frame?.type === "error" && typeof frame.limit === "number", "content over DOC_MAX_BYTES -> error frame", frame?.type);

    bob.ws.send(JSON.stringify({ type: "edit", content: "hello from alice, and bob", baseVersion: 1 }));
    frame = await bob.next();
    t.check(frame?.type === "ack" && frame.version === 2, "the rebased edit is taken", frame);
    frame = await alice.next();
    t.check(frame?.type === "edit" && frame.by === "bob" && frame.version === 2, "and broadcast", frame);
  } finally {
    alice.ws.close();
    bob.ws.close();
  }
  r = await t.req("GET", `/doc/${id}/content`);
  t.check(r.status === 200 && r.json?.content === "hello from alice, and bob" && r.json?.version === 2, "GET /doc/:id/content -> the stored content and version", r.json);
}
