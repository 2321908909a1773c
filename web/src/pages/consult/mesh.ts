// mesh.ts is the browser side of a consultation call: the signalling
// socket to the server, and one RTCPeerConnection per other person (a mesh
// of up to four). Media and the in-call chat (a negotiated data channel)
// go browser to browser; the server relays only session descriptions and
// ICE candidates, between people the clinician has admitted.

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface PeerInfo {
  id: string;
  role: string;
  label?: string;
}

export interface Remote {
  info: PeerInfo;
  stream: MediaStream;
  poor: boolean;
  relayed: boolean;
}

export interface ChatLine {
  from: string;
  text: string;
  at: number;
  mine: boolean;
}

export interface MeshEvents {
  /** state is the call's own state as the server sees this browser. */
  state(s: 'connecting' | 'waiting' | 'in-call' | 'ended' | 'disconnected'): void;
  remotes(list: Remote[]): void;
  chat(line: ChatLine): void;
  mode(mode: string): void;
  presence?(connected: string[]): void;
  lobby?(): void;
  /** poor is called when this browser's own connection turns poor or
   * recovers. */
  poor?(poor: boolean): void;
}

interface Conn {
  info: PeerInfo;
  pc: RTCPeerConnection;
  dc: RTCDataChannel;
  stream: MediaStream;
  makingOffer: boolean;
  ignoreOffer: boolean;
  polite: boolean;
  poorCount: number;
  poor: boolean;
  relayed: boolean;
  last: { lost: number; received: number };
  restartTimer?: number;
}

/** Mesh runs one person's side of a call. */
export class Mesh {
  private ws?: WebSocket;
  private me = '';
  private conns = new Map<string, Conn>();
  private known = new Map<string, PeerInfo>();
  private closed = false;
  private statsTimer?: number;
  private retry = 0;
  private videoOn = true;
  private audioOn = true;
  private audioOnly = false;

  constructor(
    private readonly url: string,
    private readonly iceServers: IceServer[],
    private readonly local: MediaStream,
    private readonly ev: MeshEvents,
    private readonly policy: RTCIceTransportPolicy = 'all',
  ) {}

  /** start connects the signalling socket (and reconnects it after a
   * network change until the call ends). */
  start(): void {
    this.connect();
    this.statsTimer = window.setInterval(() => void this.sample(), 1000);
    window.addEventListener('online', this.onNetworkChange);
    (navigator as Navigator & { connection?: EventTarget }).connection?.addEventListener('change', this.onNetworkChange);
    (window as unknown as { switchboardCall?: Mesh }).switchboardCall = this;
  }

  /** peerConnections exposes the connections, for diagnostics and tests. */
  get peerConnections(): RTCPeerConnection[] {
    return [...this.conns.values()].map((c) => c.pc);
  }

  private connect(): void {
    if (this.closed) return;
    this.ev.state('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
    };
    ws.onmessage = (e) => void this.onMessage(JSON.parse(String(e.data)));
    ws.onclose = () => {
      if (this.ws !== ws || this.closed) return;
      this.ev.state('disconnected');
      const wait = Math.min(10_000, 500 * 2 ** this.retry++);
      window.setTimeout(() => this.connect(), wait);
    };
  }

  private send(to: string, data: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'signal', to, data }));
  }

  private async onMessage(m: {
    type: string;
    you?: string;
    from?: string;
    peer?: PeerInfo;
    peers?: PeerInfo[];
    connected?: string[];
    mode?: string;
    data?: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit };
  }): Promise<void> {
    switch (m.type) {
      case 'hello':
        this.me = m.you ?? '';
        return;
      case 'waiting':
        this.ev.state('waiting');
        return;
      case 'admitted':
        // Fresh connections to everyone in the call: this browser offers.
        for (const id of [...this.conns.keys()]) this.drop(id);
        this.ev.state('in-call');
        for (const p of m.peers ?? []) {
          this.known.set(p.id, p);
          this.open(p, true);
        }
        this.emit();
        return;
      case 'joined':
        // The newcomer offers; an old connection to the same person is gone.
        if (m.peer) {
          this.known.set(m.peer.id, m.peer);
          this.drop(m.peer.id);
        }
        return;
      case 'left':
        if (m.from) this.drop(m.from);
        return;
      case 'signal':
        if (m.from && m.data) await this.onSignal(m.from, m.data);
        return;
      case 'presence':
        this.ev.presence?.(m.connected ?? []);
        return;
      case 'lobby':
        this.ev.lobby?.();
        return;
      case 'mode':
        if (m.mode) this.ev.mode(m.mode);
        return;
      case 'ended':
        this.ev.state('ended');
        this.close();
        return;
    }
  }

  private open(info: PeerInfo, offer: boolean): Conn {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.policy });
    const dc = pc.createDataChannel('chat', { negotiated: true, id: 0 });
    const c: Conn = {
      info, pc, dc, stream: new MediaStream(), makingOffer: false, ignoreOffer: false, polite: this.me > info.id,
      poorCount: 0, poor: false, relayed: false, last: { lost: 0, received: 0 },
    };
    this.conns.set(info.id, c);
    dc.onmessage = (e) => {
      try {
        const msg = JSON.parse(String(e.data)) as { text?: string };
        if (typeof msg.text === 'string') {
          this.ev.chat({ from: info.label || roleName(info.role), text: msg.text.slice(0, 2000), at: Date.now(), mine: false });
        }
      } catch {
        // not a chat line
      }
    };
    pc.onicecandidate = (e) => {
      if (e.candidate) this.send(info.id, { candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      if (!c.stream.getTracks().includes(e.track)) c.stream.addTrack(e.track);
      this.emit();
    };
    pc.onnegotiationneeded = async () => {
      try {
        c.makingOffer = true;
        await pc.setLocalDescription();
        this.send(info.id, { description: pc.localDescription });
      } catch {
        // a newer negotiation supersedes this one
      } finally {
        c.makingOffer = false;
      }
    };
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed') pc.restartIce();
      if (pc.iceConnectionState === 'disconnected') {
        window.clearTimeout(c.restartTimer);
        c.restartTimer = window.setTimeout(() => {
          if (pc.iceConnectionState === 'disconnected') pc.restartIce();
        }, 3000);
      }
    };
    if (offer) this.addTracks(c);
    return c;
  }

  private addTracks(c: Conn): void {
    for (const t of this.local.getTracks()) {
      if (!c.pc.getSenders().some((s) => s.track === t)) c.pc.addTrack(t, this.local);
    }
    this.applyTracks();
  }

  private async onSignal(from: string, data: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit }) {
    let c = this.conns.get(from);
    if (!c) {
      if (!data.description || data.description.type !== 'offer') return;
      c = this.open(this.known.get(from) ?? { id: from, role: from === 'clinician' ? 'clinician' : 'other' }, false);
    }
    const { pc } = c;
    try {
      if (data.description) {
        const collision = data.description.type === 'offer' && (c.makingOffer || pc.signalingState !== 'stable');
        c.ignoreOffer = !c.polite && collision;
        if (c.ignoreOffer) return;
        await pc.setRemoteDescription(data.description);
        if (data.description.type === 'offer') {
          this.addTracks(c);
          await pc.setLocalDescription();
          this.send(from, { description: pc.localDescription });
        }
      } else if (data.candidate) {
        try {
          await pc.addIceCandidate(data.candidate);
        } catch (e) {
          if (!c.ignoreOffer) throw e;
        }
      }
    } catch {
      // A failed step is retried by the next negotiation or ICE restart.
    }
  }

  /** setInfo names a peer once the page learns who it is. */
  setInfo(id: string, info: PeerInfo): void {
    const c = this.conns.get(id);
    if (c) {
      c.info = info;
      this.emit();
    }
  }

  private drop(id: string): void {
    const c = this.conns.get(id);
    if (!c) return;
    window.clearTimeout(c.restartTimer);
    c.pc.close();
    this.conns.delete(id);
    this.emit();
  }

  private emit(): void {
    this.ev.remotes(
      [...this.conns.values()].map((c) => ({ info: c.info, stream: c.stream, poor: c.poor, relayed: c.relayed })),
    );
  }

  /** sendChat sends a line to everyone in the call over the data channels. */
  sendChat(text: string): boolean {
    const open = [...this.conns.values()].filter((c) => c.dc.readyState === 'open');
    for (const c of open) c.dc.send(JSON.stringify({ text }));
    if (open.length) this.ev.chat({ from: 'You', text, at: Date.now(), mine: true });
    return open.length > 0;
  }

  /** setCamera, setMicrophone and setAudioOnly turn sending on and off. */
  setCamera(on: boolean): void {
    this.videoOn = on;
    this.applyTracks();
  }

  setMicrophone(on: boolean): void {
    this.audioOn = on;
    this.applyTracks();
  }

  setAudioOnly(on: boolean): void {
    this.audioOnly = on;
    this.applyTracks();
  }

  private applyTracks(): void {
    for (const t of this.local.getVideoTracks()) t.enabled = this.videoOn && !this.audioOnly;
    for (const t of this.local.getAudioTracks()) t.enabled = this.audioOn;
  }

  /** isAudioOnly reports whether video sending is stepped down. */
  isAudioOnly(): boolean {
    return this.audioOnly;
  }

  /** restartIce renegotiates every connection's network path. */
  restartIce(): void {
    for (const c of this.conns.values()) c.pc.restartIce();
  }

  private onNetworkChange = () => {
    this.restartIce();
    if (this.ws && this.ws.readyState !== WebSocket.OPEN && this.ws.readyState !== WebSocket.CONNECTING) this.connect();
  };

  // sample reads each connection's statistics once a second: packet loss
  // and round-trip time decide the poor-connection indicator, and the
  // selected candidate pair whether media is relayed.
  private async sample(): Promise<void> {
    let anyPoor = false;
    for (const c of this.conns.values()) {
      const stats = await c.pc.getStats();
      let lost = 0;
      let received = 0;
      let rtt = 0;
      let localId = '';
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp') {
          lost += s.packetsLost ?? 0;
          received += s.packetsReceived ?? 0;
        }
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
          rtt = s.currentRoundTripTime ?? 0;
          localId = s.localCandidateId;
        }
      });
      if (localId) c.relayed = stats.get(localId)?.candidateType === 'relay';
      const dl = lost - c.last.lost;
      const dr = received - c.last.received;
      c.last = { lost, received };
      const lossy = dr + dl > 20 && dl / (dr + dl) > 0.08;
      c.poorCount = lossy || rtt > 0.6 ? c.poorCount + 1 : 0;
      const poor = c.poorCount >= 3;
      if (poor !== c.poor) {
        c.poor = poor;
        this.emit();
      }
      anyPoor ||= poor;
    }
    this.ev.poor?.(anyPoor);
  }

  /** close ends this browser's part in the call. */
  close(): void {
    this.closed = true;
    window.clearInterval(this.statsTimer);
    window.removeEventListener('online', this.onNetworkChange);
    (navigator as Navigator & { connection?: EventTarget }).connection?.removeEventListener('change', this.onNetworkChange);
    for (const id of [...this.conns.keys()]) this.drop(id);
    this.ws?.close();
  }
}

/** roleName is how a role reads in the call. */
export function roleName(role: string): string {
  return (
    { clinician: 'Clinician', patient: 'Patient', carer: 'Carer', interpreter: 'Interpreter', colleague: 'Colleague', other: 'Guest' }[
      role
    ] ?? 'Guest'
  );
}

/** socketURL turns an API path into a ws:// or wss:// URL on this origin. */
export function socketURL(path: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}
