// check.ts is the join page's device and connection check: camera,
// microphone, speaker, whether WebRTC works at all, and whether media can
// flow directly or only through the TURN relay, with an estimate of the
// upload speed through it.
import type { IceServer } from './mesh';

export interface CheckResult {
  webrtc: boolean;
  camera: boolean;
  microphone: boolean;
  speaker: boolean;
  connection: 'direct' | 'relay' | 'none';
  uplink_kbps: number;
}

/** webrtcSupported reports whether this browser can make video calls. */
export function webrtcSupported(): boolean {
  return typeof RTCPeerConnection === 'function' && !!navigator.mediaDevices?.getUserMedia;
}

/** openDevices asks for the camera and microphone; it falls back to the
 * microphone alone, then to nothing. */
export async function openDevices(): Promise<MediaStream | null> {
  const md = navigator.mediaDevices;
  for (const c of [{ video: { width: 640, height: 480 }, audio: true }, { audio: true }]) {
    try {
      return await md.getUserMedia(c);
    } catch {
      // try with less
    }
  }
  return null;
}

/** speakerWorks reports whether sound can be played. */
export async function speakerWorks(): Promise<boolean> {
  try {
    const ctx = new AudioContext();
    await ctx.resume();
    const ok = ctx.state === 'running' || ctx.state === 'suspended';
    await ctx.close();
    return ok;
  } catch {
    return false;
  }
}

/** playTone plays a short tone so the person can hear their speaker. */
export function playTone(): void {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  gain.gain.value = 0.1;
  osc.frequency.value = 660;
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  osc.stop(ctx.currentTime + 0.6);
  osc.onended = () => void ctx.close();
}

// A pair of connections inside this page, made to go through the relay,
// tells whether the relay is reachable and how fast data goes up to it.
async function relayTest(iceServers: IceServer[], timeoutMs: number): Promise<number> {
  const a = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
  const b = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
  try {
    a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate).catch(() => {});
    b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate).catch(() => {});
    const dc = a.createDataChannel('check', { ordered: false, maxRetransmits: 0 });
    let bytes = 0;
    b.ondatachannel = (e) => {
      e.channel.onmessage = (m) => {
        bytes += (m.data as ArrayBuffer).byteLength ?? 0;
      };
    };
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    const opened = await Promise.race([
      new Promise<boolean>((res) => (dc.onopen = () => res(true))),
      new Promise<boolean>((res) => setTimeout(() => res(false), timeoutMs)),
    ]);
    if (!opened) return -1;
    dc.binaryType = 'arraybuffer';
    const chunk = new ArrayBuffer(1200);
    const start = performance.now();
    const until = start + 1500;
    while (performance.now() < until) {
      if (dc.bufferedAmount < 256 * 1024) {
        for (let i = 0; i < 32; i++) dc.send(chunk);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    return Math.round((bytes * 8) / (performance.now() - start)); // bits per ms = kbit/s
  } catch {
    return -1;
  } finally {
    a.close();
    b.close();
  }
}

// Gathering candidates shows whether a direct (server-reflexive) path
// exists; behind strict firewalls only the relay works.
async function directPossible(iceServers: IceServer[]): Promise<boolean> {
  const stun = iceServers.flatMap((s) => s.urls.map((u) => u.replace(/^turns?:/, 'stun:').replace(/\?.*$/, '')));
  const pc = new RTCPeerConnection({ iceServers: [{ urls: stun }] });
  try {
    pc.createDataChannel('probe');
    let srflx = false;
    pc.onicecandidate = (e) => {
      if (e.candidate?.type === 'srflx') srflx = true;
    };
    await pc.setLocalDescription();
    await new Promise<void>((res) => {
      const t = setTimeout(res, 3000);
      pc.onicegatheringstatechange = () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(t);
          res();
        }
      };
    });
    return srflx;
  } catch {
    return false;
  } finally {
    pc.close();
  }
}

/** runCheck checks everything once the devices are open. */
export async function runCheck(stream: MediaStream | null, iceServers: IceServer[]): Promise<CheckResult> {
  const webrtc = webrtcSupported();
  const [speaker, direct, kbps] = await Promise.all([
    speakerWorks(),
    webrtc ? directPossible(iceServers) : Promise.resolve(false),
    webrtc && iceServers.length ? relayTest(iceServers, 8000) : Promise.resolve(-1),
  ]);
  return {
    webrtc,
    camera: !!stream?.getVideoTracks().some((t) => t.readyState === 'live'),
    microphone: !!stream?.getAudioTracks().some((t) => t.readyState === 'live'),
    speaker,
    connection: direct ? 'direct' : kbps >= 0 ? 'relay' : 'none',
    uplink_kbps: Math.max(0, kbps),
  };
}
