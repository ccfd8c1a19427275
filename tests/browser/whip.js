// A WHIP publisher (RFC 9725): chromium's fake camera and microphone (1280x720 25 fps),
// sendonly transceivers, H.264 preferred, one POST of the complete offer (no trickle ICE).
//
//   whip.html?url=<WHIP endpoint URL>[&autostart=0][&codec=H264|VP8|...]
//
// What the test reads:
//   window.whip          state: times (performance.now() ms), errors, resource URL, ...
//   await window.stats() one flat object of getStats() numbers (see below)
//   await window.stop()  DELETE on the Location the POST answered with; stops the tracks
'use strict';

const whip = window.whip = {
  endpoint: null,
  preferredCodec: 'H264',
  offeredVideoCodecs: [],  // mime types in the order put in the offer
  codecPreferred: false,   // setCodecPreferences applied with the preferred codec first
  capture: null,           // {width, height, frameRate} of the camera track as captured
  postMs: null,
  answerMs: null,
  offerCandidates: [],
  gatheringMs: null,
  gatheringComplete: null,
  postStatus: null,
  location: null,
  etag: null,
  deleteStatus: null,
  connectionStates: [],
  errors: [],
  pc: null,
  stream: null,
};

const note = errorLog(whip);

// The video codecs chromium can send, the preferred one first (packetization-mode=1
// before 0 for H.264), the rest after it: the answerer may still pick another.
function orderedCodecs(preferred) {
  if (!window.RTCRtpSender || !RTCRtpSender.getCapabilities) return null;
  const capabilities = RTCRtpSender.getCapabilities('video');
  if (!capabilities) return null;
  const wanted = 'video/' + preferred.toLowerCase();
  const isWanted = (c) => c.mimeType.toLowerCase() === wanted;
  const mode1 = (c) => /packetization-mode=1/.test(c.sdpFmtpLine || '') ? 0 : 1;
  const first = capabilities.codecs.filter(isWanted).sort((a, b) => mode1(a) - mode1(b));
  if (first.length === 0) return null;
  return [...first, ...capabilities.codecs.filter((c) => !isWanted(c))];
}

async function begin() {
  const params = new URLSearchParams(location.search);
  whip.endpoint = params.get('url');
  whip.preferredCodec = params.get('codec') || 'H264';
  if (!whip.endpoint) { note('no ?url= given'); return; }
  if (!navigator.mediaDevices) { note('navigator.mediaDevices missing: not a secure context? (serve from 127.0.0.1)'); return; }

  const stream = whip.stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 1280, height: 720, frameRate: 25 },  // bare values: ideal, not exact
    audio: true,
  });
  const videoTrack = stream.getVideoTracks()[0];
  const settings = videoTrack ? videoTrack.getSettings() : {};
  whip.capture = { width: settings.width, height: settings.height, frameRate: settings.frameRate };
  const preview = document.getElementById('preview');
  preview.srcObject = stream;

  const pc = whip.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.addEventListener('connectionstatechange', () => {
    whip.connectionStates.push({ atMs: performance.now(), state: pc.connectionState });
  });
  for (const track of stream.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    if (track.kind === 'video') {
      const codecs = orderedCodecs(whip.preferredCodec);
      if (codecs && transceiver.setCodecPreferences) {
        try {
          transceiver.setCodecPreferences(codecs);
          whip.codecPreferred = true;
        } catch (error) {
          note('setCodecPreferences: ' + error.message);
        }
      }
    }
  }

  const exchanged = await offerAndAnswer(pc, whip, note);
  if (exchanged) whip.offeredVideoCodecs = offeredVideoCodecs(exchanged.offer);
}

// The rtpmap codec names of the video m-section, in offer order.
function offeredVideoCodecs(sdp) {
  const sections = sdp.split(/\r?\nm=/);
  const video = sections.find((s) => s.startsWith('video '));
  if (!video) return [];
  const names = [];
  for (const match of video.matchAll(/a=rtpmap:\d+ ([^/\r\n]+)\//g)) {
    if (!names.includes(match[1])) names.push(match[1]);
  }
  return names;
}

window.stats = async function stats() {
  const pc = whip.pc;
  const out = {
    connectionState: pc ? pc.connectionState : 'new',
    iceConnectionState: pc ? pc.iceConnectionState : 'new',
    framesEncoded: 0, framesSent: 0, keyFramesEncoded: 0, frameWidth: 0, frameHeight: 0, framesPerSecond: null,
    videoBytesSent: 0, videoPacketsSent: 0, audioBytesSent: 0, audioPacketsSent: 0, bytesSent: 0,
    nackCount: 0, pliCount: 0, firCount: 0, qualityLimitationReason: null,
    videoCodec: null, audioCodec: null, encoderImplementation: null,
    capture: whip.capture, codecPreferred: whip.codecPreferred, offeredVideoCodecs: whip.offeredVideoCodecs,
    selectedPair: null,
    postMs: whip.postMs, answerMs: whip.answerMs,
    postStatus: whip.postStatus, location: whip.location, deleteStatus: whip.deleteStatus,
    gatheringMs: whip.gatheringMs, gatheringComplete: whip.gatheringComplete,
    offerCandidates: whip.offerCandidates.length,
    errors: whip.errors.slice(),
  };
  if (!pc || pc.connectionState === 'closed') return out;
  const report = await pc.getStats();
  const codecs = new Map();
  report.forEach((s) => { if (s.type === 'codec') codecs.set(s.id, s.mimeType); });
  report.forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      for (const key of ['framesEncoded', 'framesSent', 'keyFramesEncoded', 'frameWidth', 'frameHeight',
        'nackCount', 'pliCount', 'firCount']) {
        if (typeof s[key] === 'number') out[key] = s[key];
      }
      if (typeof s.framesPerSecond === 'number') out.framesPerSecond = s.framesPerSecond;
      out.videoBytesSent = s.bytesSent || 0;
      out.videoPacketsSent = s.packetsSent || 0;
      out.qualityLimitationReason = s.qualityLimitationReason || null;
      out.encoderImplementation = s.encoderImplementation || null;
      out.videoCodec = codecs.get(s.codecId) || null;
    } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      out.audioBytesSent = s.bytesSent || 0;
      out.audioPacketsSent = s.packetsSent || 0;
      out.audioCodec = codecs.get(s.codecId) || null;
    }
  });
  out.bytesSent = out.videoBytesSent + out.audioBytesSent;
  out.selectedPair = selectedPair(report);
  return out;
};

window.stop = async () => {
  const status = await endSession(whip, note);
  if (whip.stream) whip.stream.getTracks().forEach((track) => track.stop());
  return status;
};

window.start = () => begin().catch(note);  // not `start`: a global function declaration IS window.start
if (new URLSearchParams(location.search).get('autostart') !== '0') window.start();
