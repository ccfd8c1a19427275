// What the WHIP publisher (whip.js) and the WHEP player (whep.js) share: the error log,
// the one POST of a complete offer (no trickle ICE) and its answer, the selected
// candidate pair from getStats(), and the DELETE of the session resource. Each page keeps
// its state in one object (window.whip, window.whep) that these functions fill.
'use strict';

const ICE_GATHERING_CAP_MS = 2000;

// Records errors (and uncaught ones) in state.errors; returns the recorder.
function errorLog(state) {
  const note = (error) => state.errors.push(String(error && error.stack ? error.stack : error));
  window.addEventListener('error', (e) => note(e.message || e.error));
  window.addEventListener('unhandledrejection', (e) => note('unhandled rejection: ' + (e.reason && e.reason.message || e.reason)));
  return note;
}

// Resolves when gathering is complete, or after `capMs`; true if it completed.
function gatheringDone(pc, capMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), capMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(true); }
    });
  });
}

// Offer, gather (capped), POST to state.endpoint, apply the answer. Fills state's
// gatheringMs, gatheringComplete, offerCandidates, postMs, answerMs, postStatus, location,
// etag. Returns {offer, answer} (SDP texts), or null after noting why not.
async function offerAndAnswer(pc, state, note) {
  await pc.setLocalDescription(await pc.createOffer());
  const gatheringStarted = performance.now();
  state.gatheringComplete = await gatheringDone(pc, ICE_GATHERING_CAP_MS);
  state.gatheringMs = Math.round(performance.now() - gatheringStarted);
  const offer = pc.localDescription.sdp;
  state.offerCandidates = offer.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:'));
  if (state.offerCandidates.length === 0) note('ICE gathered no candidate (see the chromium flags in webrtc.mjs)');

  state.postMs = performance.now();
  let response;
  try {
    response = await fetch(state.endpoint, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer });
  } catch (error) {
    note(`POST ${state.endpoint}: ${error.message} (refused, or CORS preflight not answered)`);
    return null;
  }
  state.answerMs = performance.now();
  state.postStatus = response.status;
  const answer = await response.text();
  if (response.status !== 201) { note(`POST ${state.endpoint}: expected 201, got ${response.status}: ${answer.slice(0, 300)}`); return null; }
  const resource = response.headers.get('Location');
  state.etag = response.headers.get('ETag');
  if (resource) state.location = new URL(resource, state.endpoint).href;
  else note('201 without a readable Location (Access-Control-Expose-Headers: Location missing?)');
  const type = response.headers.get('Content-Type') || '';
  if (!type.startsWith('application/sdp')) note(`answer Content-Type ${JSON.stringify(type)}, expected application/sdp`);
  try {
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  } catch (error) {
    note('setRemoteDescription(answer): ' + error.message);
  }
  return { offer, answer };
}

// The selected candidate pair of a getStats() report: {local, remote, rttMs}, or null.
function selectedPair(report) {
  let pairId = null;
  report.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
  const pair = pairId && report.get(pairId);
  if (!pair) return null;
  const describe = (candidate) => candidate ? `${candidate.address}:${candidate.port}/${candidate.protocol}` : null;
  return {
    local: describe(report.get(pair.localCandidateId)),
    remote: describe(report.get(pair.remoteCandidateId)),
    rttMs: typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime * 1000 : null,
  };
}

// DELETE the session resource (once), then close the peer connection. Returns the status.
async function endSession(state, note) {
  if (state.location && state.deleteStatus === null) {
    try {
      const response = await fetch(state.location, { method: 'DELETE' });
      await response.text();  // read to its end: not aborted when the page closes
      state.deleteStatus = response.status;
    } catch (error) {
      state.deleteStatus = -1;
      note(`DELETE ${state.location}: ${error.message}`);
    }
  }
  if (state.pc) state.pc.close();
  return state.deleteStatus;
}
