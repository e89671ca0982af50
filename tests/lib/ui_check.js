// Drive the dashboard in Debian's Chromium (headless, through
// playwright-core) and print what it shows as JSON for ui.sh to judge:
//   node ui_check.js URL USER PASSWORD SCREENSHOT
// USER "" browses without credentials.
"use strict";
const { chromium } = require("playwright-core");

(async () => {
  const [url, user, pass, shot] = process.argv.slice(2);
  const out = { errors: [] };
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const ctx = await browser.newContext(Object.assign({ viewport: { width: 1440, height: 900 } },
      user ? { httpCredentials: { username: user, password: pass } } : {}));
    const page = await ctx.newPage();
    page.on("console", (m) => { if (m.type() === "error") out.errors.push(m.text()); });
    page.on("pageerror", (e) => out.errors.push(String(e)));
    // An operator signs in as in a browser: the sign-in page asks, the
    // browser keeps the credentials for the API's later requests.
    // Signed in, the page sends the browser on to the dashboard itself.
    if (user) {
      await page.goto(new URL("/portcullis/v1/login", url).href);
      await page.waitForURL(url, { timeout: 20000 });
    } else
      await page.goto(url);
    await page.waitForSelector("body[data-loaded][data-operator]", { timeout: 20000 });
    const rows = () => page.$$eval("#images tbody tr[data-repo]", (trs) =>
      trs.map((t) => ({ repo: t.dataset.repo, verdict: t.dataset.verdict, digest: t.dataset.digest,
        cells: [...t.children].map((c) => c.textContent) })));
    out.operator = await page.getAttribute("body", "data-operator");
    out.images = await rows();
    out.cards = await page.$$eval(".card", (cs) => cs.map((c) => c.querySelector(".k").textContent + "=" + c.querySelector(".v").textContent));
    out.meta = await page.textContent("#meta");
    out.feeds = await page.$$eval("#feeds .chip", (cs) => cs.map((c) => c.textContent));
    // Sort by repository (ascending), then filter.
    await page.click("#images th[data-key=repository]");
    out.sorted = (await rows()).map((r) => r.repo);
    await page.fill("#filter", "node");
    out.filtered = (await rows()).map((r) => r.repo);
    await page.fill("#filter", "");
    // Click through to a refused image's findings.
    if (out.images.length) {
      const target = out.images.find((r) => r.verdict === "deny") || out.images[0];
      await page.click(`#images tbody tr[data-repo="${target.repo}"]`);
      await page.waitForSelector("#findings", { timeout: 10000 });
      out.detail = { repo: target.repo,
        reasons: await page.textContent("#reasons"),
        findings: await page.$$eval("#findings tbody tr[data-id]", (trs) => trs.map((t) =>
          ({ id: t.dataset.id, pkg: t.dataset.package, cells: [...t.children].map((c) => c.textContent) }))) };
    }
    if (shot) await page.screenshot({ path: shot, fullPage: false });
    // A large image's packages (a bookworm with Python and npm ones).
    const big = out.images.find((r) => r.repo.includes("bookworm"));
    if (big) {
      await page.click(`#images tbody tr[data-repo="${big.repo}"]`);
      await page.waitForFunction((d) => (document.querySelector("#detail h3") || {}).title === d,
        big.digest, { timeout: 20000 });
      await page.waitForSelector("#findings", { timeout: 20000 });
      out.big = { verdict: big.verdict,
        heads: await page.$$eval("#detail h4", (hs) => hs.map((h) => h.textContent)),
        packages: await page.textContent("#detail .mono.note:last-child") };
    }
    await page.click(".tabs button[data-tab=activity]");
    out.events = await page.$$eval("#events tbody tr[data-kind]", (trs) => trs.map((t) =>
      ({ kind: t.dataset.kind, cells: [...t.children].map((c) => c.textContent) })));
    out.chart = await page.$$eval("#chart-denials svg rect", (rs) => rs.length);
    if (shot) await page.screenshot({ path: shot.replace(/\.png$/, "-activity.png") });
    await page.click(".tabs button[data-tab=policy]");
    out.exceptions = await page.$$eval("#exceptions tbody tr[data-number]", (trs) => trs.map((t) =>
      ({ number: t.dataset.number, state: t.dataset.state, cells: [...t.children].map((c) => c.textContent) })));
    out.rules = await page.$$eval("#rules tbody tr", (trs) => trs.map((t) => [...t.children].map((c) => c.textContent)));
  } catch (e) {
    out.errors.push("driver: " + e.message);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
})();
