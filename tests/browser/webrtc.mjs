// Runs WHEP players and WHIP publishers (whep.html, whip.html) in Debian's chromium and
// prints what they do, as JSON lines on stdout:
//   {"type":"sample","t":S,"page":I,"mode":"whep",...window.stats()}   one per page per second
//   {"type":"summary","ok":BOOL,"errors":[...],"pages":[...]}          last, always
//
//   node webrtc.mjs MODE PAGE_URL SECONDS [MODE PAGE_URL]...
//
// MODE is whep or whip; PAGE_URL the page with its endpoint, e.g.
//   http://127.0.0.1:8000/whep.html?url=http%3A%2F%2F198.18.0.1%3A8080%2Fwhep%2Flive%2Ftest
// Pages open in order in one browser, each once the one before it is under way (a
// publisher encoding and connected, a player showing frames; 15 s at most) and --gap=S
// seconds more (a WHEP page after a WHIP one: the server has the stream by then; a WHEP
// POST for a stream not there yet is answered 404), then all are sampled for SECONDS. Then window.stop() (DELETE) on each, in reverse order.
// SIGTERM ends the sampling early, with the summary still printed.
// Exit 0 only if no page reported an error and every page played or published.
//
// Chromium flags, found by hand in a network namespace with one veth (see README.md):
// without --use-fake-ui-for-media-stream chromium gathers no ICE candidate at all there
// (not even an mDNS one): the flag grants the media permission, and with it chromium
// exposes host candidates on the real interface. WebRtcHideLocalIpsWithMdns off keeps the
// candidates plain addresses in case mDNS works elsewhere. Loopback is never gathered.
import { chromium } from 'playwright-core';

const USAGE = 'usage: node webrtc.mjs MODE PAGE_URL SECONDS [MODE PAGE_URL]... [--gap=S]  (MODE: whep | whip)';
const options = process.argv.slice(2).filter((a) => a.startsWith('--'));
const argv = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const gapOption = options.find((a) => a.startsWith('--gap='));
const gapMs = gapOption ? Number(gapOption.slice(6)) * 1000 : 0;
const pages = [];
let seconds = NaN;
if (argv.length >= 3) {
  seconds = Number(argv[2]);
  pages.push({ mode: argv[0], url: argv[1] });
  for (let i = 3; i + 1 < argv.length; i += 2) pages.push({ mode: argv[i], url: argv[i + 1] });
  if ((argv.length - 3) % 2 !== 0) seconds = NaN;
}
if (!(seconds > 0) || !(gapMs >= 0) || pages.some((p) => p.mode !== 'whep' && p.mode !== 'whip')) {
  console.error(USAGE);
  process.exit(2);
}

const executablePath = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const READY_TIMEOUT_MS = 15000;
const totalBudgetMs = (seconds + 30 + pages.length * (READY_TIMEOUT_MS / 1000)) * 1000 + pages.length * gapMs;
const started = Date.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const errors = [];
let browser = null;
let stopping = false;
process.on('SIGTERM', () => { stopping = true; });
process.on('SIGINT', () => { stopping = true; });

const summary = () => ({
  type: 'summary',
  ok: false,
  seconds,
  elapsedMs: Date.now() - started,
  errors,
  pages: pages.map((p) => ({
    mode: p.mode, url: p.url, openedAtMs: p.openedAtMs ?? null, ready: p.ready ?? false,
    samples: p.samples ? p.samples.length : 0,
    first: p.samples && p.samples.length ? p.samples[0] : null,
    last: p.last ?? null,
    series: p.series ?? {},
    deleteStatus: p.deleteStatus ?? null,
    errors: p.errors ?? [],
  })),
});

// A hard stop whatever happens: the summary is printed, the browser closed, the process ends.
const watchdog = setTimeout(async () => {
  errors.push(`watchdog: gave up after ${totalBudgetMs} ms`);
  console.log(JSON.stringify(summary()));
  try { if (browser) await browser.close(); } catch { /* exiting anyway */ }
  process.exit(3);
}, totalBudgetMs);

const SERIES = {
  whep: ['framesDecoded', 'framesDropped', 'freezeCount', 'totalFreezesDuration', 'totalSamplesReceived',
    'concealedSamples', 'jitterBufferMs', 'videoPacketsLost', 'videoBehindLiveMs', 'audioBehindLiveMs', 'connectionState'],
  whip: ['framesEncoded', 'bytesSent', 'frameWidth', 'frameHeight', 'connectionState'],
};

function isReady(mode, s) {
  if (!s) return false;
  if (mode === 'whep') return s.framesDecoded > 0;
  return s.framesEncoded > 0 && s.connectionState === 'connected';
}

async function sample(p, t) {
  let s;
  try {
    s = await p.page.evaluate(() => window.stats());
  } catch (error) {
    p.errors.push('stats(): ' + error.message);
    return null;
  }
  p.last = s;
  if (t !== null) {
    p.samples.push(s);
    for (const key of SERIES[p.mode]) (p.series[key] ||= []).push(s[key]);
    console.log(JSON.stringify({ type: 'sample', t, page: pages.indexOf(p), mode: p.mode, ...s }));
  }
  return s;
}

async function open(p) {
  p.samples = [];
  p.series = {};
  p.errors = [];
  p.page = await browser.newPage();
  p.page.on('pageerror', (error) => p.errors.push('pageerror: ' + error.message));
  p.page.on('console', (message) => {
    if (message.type() === 'error') p.errors.push('console: ' + message.text());
  });
  p.page.on('requestfailed', (request) => {
    const text = request.failure() ? request.failure().errorText : '';
    // Requests cut by the page closing; a failed POST or DELETE is the page's own error.
    if (!text.includes('ERR_ABORTED')) p.errors.push(`requestfailed: ${request.method()} ${request.url()} ${text}`);
  });
  p.openedAtMs = Date.now() - started;
  await p.page.goto(p.url, { waitUntil: 'load', timeout: 10000 });
}

try {
  browser = await chromium.launch({
    executablePath,
    timeout: 30000,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      // fps=25: the fake camera's default is 20 fps whatever getUserMedia asks for.
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=fps=25',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      // Several pages in one browser: none of them throttled for being in the background.
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows'],
  });
  for (const p of pages) {
    if (stopping) break;
    await open(p);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!stopping && Date.now() < deadline) {
      const s = await sample(p, null);
      if (isReady(p.mode, s)) { p.ready = true; break; }
      if (s && s.errors.length) break;  // it failed: say so below, do not wait out the timeout
      await sleep(250);
    }
    if (!p.ready) {
      errors.push(`${p.mode} page ${pages.indexOf(p)} not under way within ${READY_TIMEOUT_MS} ms`);
      break;
    }
    if (p !== pages[pages.length - 1]) await sleep(gapMs);
  }
  if (errors.length === 0) {
    const sampleStart = Date.now();
    for (let t = 1; t <= seconds && !stopping; t++) {
      await sleep(Math.max(0, sampleStart + t * 1000 - Date.now()));
      for (const p of pages) await sample(p, t);
    }
  }
  for (const p of [...pages].reverse()) {
    if (!p.page) continue;
    await sample(p, null);
    try {
      p.deleteStatus = await p.page.evaluate(() => window.stop());
    } catch (error) {
      p.errors.push('stop(): ' + error.message);
    }
  }
  await browser.close();
  browser = null;
} catch (error) {
  errors.push('runner: ' + (error && error.message ? error.message : String(error)));
  try { if (browser) await browser.close(); } catch { /* already failing */ }
}

const result = summary();
for (const p of result.pages) {
  if (p.last && p.last.errors && p.last.errors.length) p.errors.push(...p.last.errors.filter((e) => !p.errors.includes(e)));
  const grew = (key) => { const v = p.series[key] || []; return v.length >= 2 && v[v.length - 1] > v[0]; };
  if (p.errors.length === 0 && p.samples >= 2 && !grew(p.mode === 'whep' ? 'framesDecoded' : 'framesEncoded')) {
    p.errors.push(p.mode === 'whep' ? 'framesDecoded did not grow' : 'framesEncoded did not grow');
  }
}
result.ok = result.errors.length === 0 && result.pages.every((p) => p.ready && p.errors.length === 0);
clearTimeout(watchdog);
console.log(JSON.stringify(result));
process.exitCode = result.ok ? 0 : 1;
