// The console page in Debian's headless chromium, driven by playwright-core:
//   node console_browser.js URL ARTEFACT_DIR TASK_A TASK_B
// The page loads with no console error and shows both task actors running;
// TASK_A stopped through the API changes state in its row within 2 s; the
// log pane of TASK_B follows (a later line appears); the restart button
// restarts TASK_B (a new run, restarts 1, running again); the stop button
// stops TASK_B. Screenshots go to ARTEFACT_DIR. Prints "ok" and exits 0, else
// prints what failed and exits 1.
"use strict";
const { chromium } = require("playwright-core");

const [url, artefacts, taskA, taskB] = process.argv.slice(2);
const rowOf = (id) => `#actors tr.row[data-name="${id}"]`;

async function stateOf(page, id) {
  return page.$eval(rowOf(id), (tr) => tr.dataset.state).catch(() => "");
}

async function waitFor(what, fn, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(what + " within " + ms + " ms");
    await new Promise((r) => setTimeout(r, 100));
  }
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless=new"] });
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await waitFor("both tasks shown running", async () =>
      (await stateOf(page, taskA)) === "running" && (await stateOf(page, taskB)) === "running", 5000);
    await page.screenshot({ path: artefacts + "/console-loaded.png", fullPage: true });

    const stopped = Date.now();
    const r = await fetch(url + "v1/tasks/" + taskA.split("/").map(encodeURIComponent).join("/") + "/stop", { method: "POST" });
    if (r.status !== 202) throw new Error("API stop answered " + r.status);
    await waitFor("row of " + taskA + " leaving running", async () => (await stateOf(page, taskA)) !== "running", 2000);
    console.log("row changed " + (Date.now() - stopped) + " ms after the stop");

    await page.click(rowOf(taskB));
    const first = await waitFor("log lines in the pane", async () => {
      const t = await page.textContent("#log");
      return t.includes("tick-") ? t : "";
    }, 5000);
    const lastTick = (t) => Math.max(...(t.match(/tick-(\d+)/g) || []).map((x) => Number(x.slice(5))));
    const before = lastTick(first);
    await waitFor("a later log line (the pane follows)", async () => lastTick(await page.textContent("#log")) > before, 4000);
    await page.screenshot({ path: artefacts + "/console-task.png", fullPage: true });

    const pathB = taskB.split("/").map(encodeURIComponent).join("/");
    await page.click("#restart");
    await waitFor("task " + taskB + " restarted by the restart button (restarts 1, running)", async () => {
      const t = await (await fetch(url + "v1/tasks/" + pathB)).json();
      return t.restarts === 1 && t.state === "running";
    }, 20000);
    await waitFor("row of " + taskB + " running again after the restart", async () =>
      (await stateOf(page, taskB)) === "running", 3000);
    await page.screenshot({ path: artefacts + "/console-restarted.png", fullPage: true });

    await page.click("#stop");
    await waitFor("row of " + taskB + " leaving running after the stop button", async () =>
      (await stateOf(page, taskB)) !== "running", 3000);
    await page.screenshot({ path: artefacts + "/console-stopped.png", fullPage: true });
    if (errors.length) throw new Error("console errors: " + errors.join(" | "));
    console.log("ok");
  } catch (e) {
    console.log("FAILED: " + e.message + (errors.length ? " (console errors: " + errors.join(" | ") + ")" : ""));
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
