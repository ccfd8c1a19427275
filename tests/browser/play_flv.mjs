// Plays an rtsedge HTTP-FLV stream in Debian's chromium through mpegts.js (player.html)
// and prints one JSON line describing the playback.
//
//   node play_flv.mjs PAGE_URL SECONDS [--audio-only]
//
// PAGE_URL is player.html with ?src=<flv url>. Exit 0 only if playback happened and the
// page reported no error. Never downloads a browser: /usr/bin/chromium is used.
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const audioOnly = args.includes('--audio-only');
const positional = args.filter((a) => !a.startsWith('--'));
if (positional.length !== 2 || !(Number(positional[1]) > 0)) {
  console.error('usage: node play_flv.mjs PAGE_URL SECONDS [--audio-only]');
  process.exit(2);
}
const pageUrl = positional[0];
const seconds = Number(positional[1]);
const executablePath = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const totalBudgetMs = (seconds + 10) * 1000;
const started = Date.now();
const remaining = () => Math.max(0, totalBudgetMs - (Date.now() - started));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const result = {
  audioOnly,
  firstFrameMs: null,
  firstPlayingMs: null,
  width: null,
  height: null,
  framesSamples: [],
  currentTimeSamples: [],
  currentTimeAdvanced: false,
  stalls: [],
  seeks: [],
  seekWaits: [],
  errors: [],
};

let browser = null;
// A hard stop whatever happens: the browser is closed and the process exits.
const watchdog = setTimeout(async () => {
  result.errors.push(`watchdog: gave up after ${totalBudgetMs + 5000} ms`);
  console.log(JSON.stringify(result));
  try { if (browser) await browser.close(); } catch { /* exiting anyway */ }
  process.exit(3);
}, totalBudgetMs + 5000);

function finish(code) {
  clearTimeout(watchdog);
  console.log(JSON.stringify(result));
  process.exitCode = code;
}

try {
  browser = await chromium.launch({
    executablePath,
    timeout: 30000,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => result.errors.push('pageerror: ' + error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') result.errors.push('console: ' + message.text());
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure();
    const text = failure ? failure.errorText : '';
    // The live FLV request is aborted on purpose when the page closes.
    if (!text.includes('ERR_ABORTED')) result.errors.push(`requestfailed: ${request.url()} ${text}`);
  });
  await page.goto(pageUrl, { waitUntil: 'load', timeout: Math.min(10000, remaining()) });

  // Wait for the first frame (or 'playing' for audio only), within the budget.
  const ready = audioOnly
    ? '() => window.rtsedge && (window.rtsedge.firstPlayingMs !== null || window.rtsedge.errors.length > 0)'
    : '() => window.rtsedge && (window.rtsedge.firstFrameMs !== null || window.rtsedge.errors.length > 0)';
  let playbackStarted = true;
  try {
    await page.waitForFunction(ready, null, { timeout: Math.max(1000, Math.min(10000, remaining() - seconds * 1000)) });
  } catch {
    playbackStarted = false;
    result.errors.push('no playback started within 10 s');
  }

  const snapshot = () => page.evaluate(() => {
    const video = document.getElementById('video');
    const quality = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    const s = window.rtsedge;
    return {
      frames: quality ? quality.totalVideoFrames : null,
      dropped: quality ? quality.droppedVideoFrames : null,
      currentTime: video.currentTime,
      width: video.videoWidth,
      height: video.videoHeight,
      loadStartMs: s.loadStartMs,
      firstFrameMs: s.firstFrameMs,
      firstPlayingMs: s.firstPlayingMs,
      stalls: s.stalls,
      seeks: s.seeks,
      seekWaits: s.seekWaits,
      errors: s.errors,
    };
  });

  let last = null;
  if (playbackStarted) {
    for (let i = 0; i < seconds && remaining() > 1500; i++) {
      await sleep(1000);
      last = await snapshot();
      result.framesSamples.push(last.frames);
      result.currentTimeSamples.push(Number(last.currentTime.toFixed(3)));
    }
  }
  if (!last) last = await snapshot();

  const rel = (t) => (t === null || last.loadStartMs === null ? null : Math.round(t - last.loadStartMs));
  result.firstFrameMs = rel(last.firstFrameMs);
  result.firstPlayingMs = rel(last.firstPlayingMs);
  result.width = last.width;
  result.height = last.height;
  result.droppedFrames = last.dropped;
  const relList = (list) => list.map((s) => ({ atMs: rel(s.atMs), currentTime: s.currentTime }));
  result.stalls = relList(last.stalls);
  result.seeks = relList(last.seeks);
  result.seekWaits = relList(last.seekWaits);
  result.errors.push(...last.errors);
  const times = result.currentTimeSamples;
  result.currentTimeAdvanced = times.length >= 2 && times[times.length - 1] > times[0];

  await page.evaluate(() => window.rtsedgeStop && window.rtsedgeStop()).catch(() => {});
  await browser.close();
  browser = null;

  let played;
  if (audioOnly) {
    played = result.firstPlayingMs !== null && result.currentTimeAdvanced && result.width === 0;
  } else {
    played = result.firstFrameMs !== null && result.framesSamples.length >= 2 &&
      result.framesSamples[result.framesSamples.length - 1] > result.framesSamples[0];
  }
  if (!played) result.errors.push('no playback');
  finish(result.errors.length === 0 ? 0 : 1);
} catch (error) {
  result.errors.push('runner: ' + (error && error.message ? error.message : String(error)));
  try { if (browser) await browser.close(); } catch { /* already failing */ }
  finish(1);
}
