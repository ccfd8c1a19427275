// A WHEP player (draft-ietf-wish-whep): recvonly video + audio, one POST of the complete
// offer (no trickle ICE), the answer applied, the video element playing muted.
//
//   whep.html?url=<WHEP endpoint URL>[&autostart=0]
//
// What the test reads:
//   window.whep          state: times (performance.now() ms: from the page's start), errors, resource URL, ...
//   await window.stats() one flat object of getStats() numbers (see below)
//   await window.stop()  DELETE on the Location the POST answered with; closes the peer
//   await window.start() starts (done on load unless autostart=0)
'use strict';

const whep = window.whep = {
  endpoint: null,
  postMs: null,            // just before the POST
  answerMs: null,          // answer received (status known)
  firstDecodedMs: null,    // getStats inbound video framesDecoded > 0 first seen (50 ms polling)
  firstPresentedMs: null,  // first requestVideoFrameCallback: a frame composited
  offerCandidates: [],     // a=candidate lines of the offer as POSTed
  gatheringMs: null,       // how long ICE gathering took (capped)
  gatheringComplete: null, // false: the cap cut it short
  iceUfrag: { local: null, remote: null },  // from the offer and the answer
  postStatus: null,
  location: null,          // absolute URL of the session resource
  etag: null,
  deleteStatus: null,
  connectionStates: [],    // {atMs, state}
  errors: [],
  pc: null,
};

const note = errorLog(whep);

async function begin() {
  const params = new URLSearchParams(location.search);
  whep.endpoint = params.get('url');
  if (!whep.endpoint) { note('no ?url= given'); return; }
  const video = document.getElementById('video');
  video.muted = true;

  const pc = whep.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const remote = new MediaStream();
  pc.ontrack = (event) => {
    remote.addTrack(event.track);
    if (video.srcObject !== remote) video.srcObject = remote;
    video.play().catch((error) => {
      // play() is interrupted when the second track comes; only a refusal is an error.
      if (error && error.name === 'NotAllowedError') note('video.play(): ' + error.message);
    });
  };
  pc.addEventListener('connectionstatechange', () => {
    whep.connectionStates.push({ atMs: performance.now(), state: pc.connectionState });
  });

  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    video.requestVideoFrameCallback(() => { whep.firstPresentedMs = performance.now(); });
  }
  const pollDecoded = setInterval(async () => {
    if (whep.firstDecodedMs !== null || pc.connectionState === 'closed') { clearInterval(pollDecoded); return; }
    try {
      const report = await pc.getStats();
      report.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0 && whep.firstDecodedMs === null) {
          whep.firstDecodedMs = performance.now();
        }
      });
    } catch (error) { /* closed meanwhile */ }
  }, 50);

  const exchanged = await offerAndAnswer(pc, whep, note);
  if (exchanged) {
    whep.iceUfrag.local = ufragOf(exchanged.offer);
    whep.iceUfrag.remote = ufragOf(exchanged.answer);
  }
}

function ufragOf(sdp) {
  const match = sdp.match(/^a=ice-ufrag:(\S+)/m);
  return match ? match[1] : null;
}

const NTP_UNIX_OFFSET_MS = 2208988800000;
function behindLive(estimatedPlayoutTimestamp) {
  if (typeof estimatedPlayoutTimestamp !== 'number' || estimatedPlayoutTimestamp <= 0) return null;
  return Math.round(Date.now() - (estimatedPlayoutTimestamp - NTP_UNIX_OFFSET_MS));
}

// One flat object: the numbers a test checks, from getStats() and the page state.
window.stats = async function stats() {
  const pc = whep.pc;
  const out = {
    connectionState: pc ? pc.connectionState : 'new',
    iceConnectionState: pc ? pc.iceConnectionState : 'new',
    framesDecoded: 0, framesReceived: 0, framesDropped: 0, keyFramesDecoded: 0,
    frameWidth: 0, frameHeight: 0, framesPerSecond: null,
    freezeCount: 0, totalFreezesDuration: 0, pauseCount: 0,
    jitterBufferDelay: 0, jitterBufferEmittedCount: 0, jitterBufferMs: null,
    videoPacketsReceived: 0, videoPacketsLost: 0, videoBytesReceived: 0, nackCount: 0, pliCount: 0,
    videoCodec: null, audioCodec: null,
    // How far playout is behind the server's live point: now minus estimatedPlayoutTimestamp,
    // the NTP time (from the server's RTCP sender reports) of what is playing now.
    videoBehindLiveMs: null, audioBehindLiveMs: null,
    totalSamplesReceived: 0, concealedSamples: 0, audioPacketsReceived: 0, audioPacketsLost: 0,
    videoWidth: 0, videoHeight: 0, currentTime: 0,
    selectedPair: null,
    postMs: whep.postMs, answerMs: whep.answerMs,
    firstDecodedMs: whep.firstDecodedMs, firstPresentedMs: whep.firstPresentedMs,
    firstFrameMs: null, firstFrameAfterPostMs: null,
    postStatus: whep.postStatus, location: whep.location, deleteStatus: whep.deleteStatus,
    gatheringMs: whep.gatheringMs, gatheringComplete: whep.gatheringComplete,
    offerCandidates: whep.offerCandidates.length, iceUfrag: whep.iceUfrag,
    errors: whep.errors.slice(),
  };
  const video = document.getElementById('video');
  out.videoWidth = video.videoWidth;
  out.videoHeight = video.videoHeight;
  out.currentTime = video.currentTime;
  const firsts = [whep.firstDecodedMs, whep.firstPresentedMs].filter((t) => t !== null);
  if (firsts.length) {
    out.firstFrameMs = Math.round(Math.min(...firsts));
    if (whep.postMs !== null) out.firstFrameAfterPostMs = Math.round(Math.min(...firsts) - whep.postMs);
  }
  if (!pc || pc.connectionState === 'closed') return out;
  const report = await pc.getStats();
  const codecs = new Map();
  report.forEach((s) => { if (s.type === 'codec') codecs.set(s.id, s.mimeType); });
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      for (const key of ['framesDecoded', 'framesReceived', 'framesDropped', 'keyFramesDecoded', 'frameWidth',
        'frameHeight', 'freezeCount', 'totalFreezesDuration', 'pauseCount', 'jitterBufferDelay',
        'jitterBufferEmittedCount', 'nackCount', 'pliCount']) {
        if (typeof s[key] === 'number') out[key] = s[key];
      }
      if (typeof s.framesPerSecond === 'number') out.framesPerSecond = s.framesPerSecond;
      out.videoPacketsReceived = s.packetsReceived || 0;
      out.videoPacketsLost = s.packetsLost || 0;
      out.videoBytesReceived = s.bytesReceived || 0;
      out.videoCodec = codecs.get(s.codecId) || null;
      out.videoBehindLiveMs = behindLive(s.estimatedPlayoutTimestamp);
      if (out.jitterBufferEmittedCount > 0) out.jitterBufferMs = 1000 * out.jitterBufferDelay / out.jitterBufferEmittedCount;
    } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.totalSamplesReceived = s.totalSamplesReceived || 0;
      out.concealedSamples = s.concealedSamples || 0;
      out.audioPacketsReceived = s.packetsReceived || 0;
      out.audioPacketsLost = s.packetsLost || 0;
      out.audioCodec = codecs.get(s.codecId) || null;
      out.audioBehindLiveMs = behindLive(s.estimatedPlayoutTimestamp);
    }
  });
  out.selectedPair = selectedPair(report);
  return out;
};

window.stop = () => endSession(whep, note);

window.start = () => begin().catch(note);  // not `start`: a global function declaration IS window.start
if (new URLSearchParams(location.search).get('autostart') !== '0') window.start();
