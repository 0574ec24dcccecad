// The chat page in a real browser: headless Chromium (the system's, driven
// over the DevTools protocol by puppeteer-core) opens the page that a
// generated chat project serves at / under `wrangler dev`. Two pages join the
// same room; each sends a message, and each must see both.
//
//   CHROMIUM=/usr/bin/chromium PUPPETEER_CORE=/path/to/puppeteer-core node .ci/e2e-browser.mjs BASE_URL
//
// Run by .ci/e2e. Prints one line per check and `browser: N checks, M failed`.
const base = process.argv[2] ?? "http://127.0.0.1:8787";
const { default: puppeteer } = await import(process.env.PUPPETEER_CORE ?? "puppeteer-core");
const room = `browser-${Math.random().toString(36).slice(2, 8)}`;
let checks = 0;
let failures = 0;

function check(condition, what, detail) {
  checks++;
  if (!condition) {
    failures++;
    console.log(`  FAIL ${what}${detail === undefined ? "" : `: ${JSON.stringify(detail)}`}`);
  } else {
    console.log(`  ok ${what}`);
  }
}

/** Opens the page and joins `room` as `user`; resolves once connected. */
async function join(browser, user) {
  const page = await browser.newPage();
  page.on("pageerror", (error) => check(false, `no script error on ${user}'s page`, String(error)));
  const response = await page.goto(`${base}/chat.html`, { waitUntil: "load" });
  // 304: the same browser fetched the page for an earlier user.
  check([200, 304].includes(response?.status()), `${user}: GET /chat.html serves the page`, response?.status());
  await page.$eval("#join input[name=room]", (input, value) => (input.value = value), room);
  await page.$eval("#join input[name=user]", (input, value) => (input.value = value), user);
  await page.click("#join button");
  await page.waitForFunction(() => !document.getElementById("send").hidden, { timeout: 10_000, polling: 100 });
  check(true, `${user} joined ${room}`);
  return page;
}

async function say(page, text) {
  await page.bringToFront();
  await page.type("#send input[name=text]", text);
  await page.click("#send button");
}

/** Waits until the page lists `user: text`. */
async function waitForLine(page, user, text, who) {
  try {
    // A page in the background gets no animation frames, so the default
    // `raf` polling could sleep through the message: poll on a timer, with
    // the page in front.
    await page.bringToFront();
    await page.waitForFunction(
      (user, text) =>
        [...document.querySelectorAll("#messages li")].some(
          (item) => item.querySelector(".user")?.textContent === user && item.textContent === user + text,
        ),
      { timeout: 10_000, polling: 100 },
      user,
      text,
    );
    check(true, `${who} sees ${user}: ${text}`);
  } catch {
    const lines = await page.$$eval("#messages li", (items) => items.map((item) => item.textContent));
    check(false, `${who} sees ${user}: ${text}`, lines);
  }
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  // Fail fast rather than after puppeteer's default of three minutes.
  protocolTimeout: 30_000,
  // Pages in the background keep running at full speed: both users are live.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
  ],
});
try {
  const alice = await join(browser, "alice");
  const bob = await join(browser, "bob");
  await say(alice, "hello from alice");
  await waitForLine(alice, "alice", "hello from alice", "alice");
  await waitForLine(bob, "alice", "hello from alice", "bob");
  await say(bob, "hi <b>alice</b>");
  await waitForLine(alice, "bob", "hi <b>alice</b>", "alice");
  await waitForLine(bob, "bob", "hi <b>alice</b>", "bob");
  // Markup in a message is shown as text, never rendered.
  check((await alice.$$("#messages b")).length === 0, "message text is not parsed as HTML");
  // A third page joining later sees the history.
  const carol = await join(browser, "carol");
  await waitForLine(carol, "alice", "hello from alice", "carol (history)");
  await waitForLine(carol, "bob", "hi <b>alice</b>", "carol (history)");
} catch (error) {
  check(false, "browser run", String(error?.stack ?? error));
} finally {
  await browser.close();
}
console.log(`browser: ${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
