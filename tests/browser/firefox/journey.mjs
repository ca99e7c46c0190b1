// Walks a learner journey in Debian's Firefox ESR (the engine Tor Browser is built on) with
// JavaScript OFF, driven by puppeteer-core over WebDriver BiDi. Run by tests/browser/test_firefox.py.
//
// Input (stdin, JSON):  {"base": "http://127.0.0.1:PORT", "firefox": "/usr/bin/firefox-esr",
//                        "screenshots": "/dir/for/failure/screenshots",
//                        "steps": [{"name", "goto"?, "keys"?: ["Tab", "Space", ...], "submit"?: true}]}
// Output (stdout, JSON): {"steps": [{"name", "url", "status", "chain", "cookies"}], "error"?}
//
// With javascript.enabled false, everything that evaluates script in the page (page.$, page.evaluate,
// element.click(), page.content()) fails with "Target closed". So this script never touches the DOM:
// it navigates, presses keys as a learner would (input.performActions needs no page script), and
// reports what the browser itself knows: each navigation's status, the requests on the way, and the
// cookies. The Python test judges all of it, and reads the pages' bodies on the server side.
//
// Only WebDriver BiDi commands that Firefox ESR 128 and later know are used: navigation, input
// actions, network events and storage.getCookies. (Reading a response body asks for
// network.getData, which older ESR releases answer with "unknown command".)
import {mkdirSync} from 'node:fs';
import puppeteer from 'puppeteer-core';

const plan = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => { text += chunk; }).on('end', () => resolve(text));
}));

// What a navigation did: where it ended, its status, and every request of a redirect chain
// (a quiz post is POST ... 303, then GET .../result 200).
function describe(response) {
  const chain = [...response.request().redirectChain(), response.request()].map((request) => ({
    method: request.method(), url: request.url(), status: request.response()?.status() ?? null}));
  return {url: response.url(), status: response.status(), chain};
}

const report = {steps: []};
const browser = await puppeteer.launch({
  browser: 'firefox', executablePath: plan.firefox, headless: true,
  extraPrefsFirefox: {'javascript.enabled': false}, protocolTimeout: 30_000});
let page;
let current = 'launch';
try {
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);  // a key that missed its target shows as a navigation that never comes
  for (const step of plan.steps) {
    current = step.name;
    const result = {name: step.name};
    if (step.goto) {
      // A fragment (#quiz, #save-title) moves Firefox's focus starting point there, so the first
      // Tab lands on the first control after it: no need to count the header's links.
      Object.assign(result, describe(await page.goto(plan.base + step.goto, {waitUntil: 'load'})));
    }
    for (const key of step.keys ?? []) {
      await page.keyboard.press(key);
    }
    if (step.submit) {
      // Enter on the focused submit button posts the form; wait for the page it leads to.
      const [response] = await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.keyboard.press('Enter')]);
      Object.assign(result, describe(response));
    }
    result.cookies = await browser.cookies();  // every cookie the browser holds, for any site
    report.steps.push(result);
  }
} catch (error) {
  report.error = `${current}: ${error.stack ?? error}`;
  if (page && plan.screenshots) {
    mkdirSync(plan.screenshots, {recursive: true});
    const path = `${plan.screenshots}/${current.replace(/\W+/g, '-')}.png`;
    await page.screenshot({path, fullPage: true}).then(() => { report.screenshot = path; }, () => {});
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
process.exitCode = report.error ? 1 : 0;
