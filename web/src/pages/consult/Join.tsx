import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, post, seg } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { useTitle } from '../../title';
import { LinkNotValid } from '../LinkNotValid';
import { Call, Video } from './Call';
import { type CheckResult, openDevices, playTone, runCheck, webrtcSupported } from './check';
import { type ChatLine, type IceServer, Mesh, type Remote, socketURL } from './mesh';

interface JoinInfo {
  practice: string;
  when: string;
  role: string;
  entered: boolean;
  state: string;
  mode: string;
  consent: { version: string; text: string };
  ice_servers: IceServer[];
  check: CheckResult | null;
}

type Stage = 'loading' | 'invalid' | 'check' | 'waiting' | 'in-call' | 'telephone' | 'ended';

/** Join is the page a patient or guest opens from their invitation: no
 * account, a device check, the consent statement, then the waiting room
 * and the call. The page talks only to its own consultation. */
export function Join({ token }: { token: string }) {
  const [info, setInfo] = useState<JoinInfo | null>(null);
  const [stage, setStage] = useState<Stage>('loading');
  const [problem, setProblem] = useState<{ status: number; text: string } | null>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [check, setCheck] = useState<CheckResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [remotes, setRemotes] = useState<Remote[]>([]);
  const [chat, setChat] = useState<ChatLine[]>([]);
  const [poor, setPoor] = useState(false);
  const [audioOnly, setAudioOnly] = useState(false);
  const [link, setLink] = useState<'connecting' | 'ok' | 'lost'>('connecting');
  const mesh = useRef<Mesh | null>(null);
  const api = `/api/join/${seg(token)}`;

  useTitle(
    stage === 'invalid' ? 'This link does not work' : stage === 'waiting' ? 'Waiting room' : 'Video consultation',
    errors.length > 0,
  );

  useEffect(() => {
    get<JoinInfo>(api, { public: true })
      .then((i) => {
        setInfo(i);
        setStage('check');
        if (i.entered && webrtcSupported()) void start(i);
      })
      .catch((e: unknown) => {
        setProblem({ status: e instanceof ApiError ? e.status : 0, text: e instanceof Error ? e.message : String(e) });
        setStage('invalid');
      });
    return () => {
      mesh.current?.close();
    };
  }, [token]);

  useEffect(() => () => stream?.getTracks().forEach((t) => t.stop()), [stream]);

  const start = async (i: JoinInfo, s?: MediaStream | null) => {
    const local = s ?? stream ?? (await openDevices());
    setStream(local);
    const m = new Mesh(socketURL(`${api}/ws`), i.ice_servers, local ?? new MediaStream(), {
      state: (st) => {
        if (st === 'waiting' || st === 'in-call') {
          setStage(st);
          setLink('ok');
        } else if (st === 'ended') setStage('ended');
        else if (st === 'disconnected') setLink('lost');
      },
      remotes: setRemotes,
      chat: (l) => setChat((c) => [...c, l]),
      mode: (mode) => {
        setAudioOnly(mode === 'audio');
        m.setAudioOnly(mode === 'audio');
        if (mode === 'telephone') {
          setStage('telephone');
          m.close();
        }
      },
      poor: (p) => {
        setPoor(p);
        if (p) {
          m.setAudioOnly(true);
          setAudioOnly(true);
        }
      },
    });
    mesh.current = m;
    m.start();
  };

  const doCheck = async () => {
    if (!info) return;
    setChecking(true);
    const s = stream ?? (await openDevices());
    setStream(s);
    setCheck(await runCheck(s, info.ice_servers));
    setChecking(false);
    // The device is checked now: the error asking for it goes.
    setErrors((es) => es.filter((e) => e.field !== 'check-button'));
  };

  const enter = async (e: Event) => {
    e.preventDefault();
    if (!info) return;
    if (!check) {
      setErrors([{ field: 'check-button', text: 'Check your device before you enter' }]);
      return;
    }
    try {
      const i = await post<JoinInfo>(`${api}/enter`, { consent_version: info.consent.version, check }, { public: true });
      setErrors([]);
      setInfo(i);
      await start(i, stream);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        setProblem({ status: err.status, text: err.message });
        setStage('invalid');
        return;
      }
      setErrors([{ text: err instanceof Error ? err.message : String(err) }]);
    }
  };

  if (stage === 'loading') return <p class="nhsuk-body">Loading…</p>;
  if (stage === 'invalid') return <Invalid problem={problem} />;
  if (!info) return null;
  if (!webrtcSupported()) return <NoWebRTC practice={info.practice} />;

  if (stage === 'ended' || stage === 'telephone') {
    return (
      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-two-thirds" data-testid={`join-${stage}`}>
          <h1>{stage === 'ended' ? 'Your consultation has ended' : 'The health professional will phone you'}</h1>
          {stage === 'ended' ? (
            <p>Thank you. You can close this page. If you need to speak to someone again, contact {info.practice}.</p>
          ) : (
            <p>The video call has stopped. Keep your phone nearby: the health professional will call you on your phone now.</p>
          )}
        </div>
      </div>
    );
  }

  if (stage === 'waiting' || stage === 'in-call') {
    return (
      <>
        <h1>{stage === 'waiting' ? 'You are in the waiting room' : `Video consultation with ${info.practice}`}</h1>
        {link === 'lost' && (
          <p class="nhsuk-body" role="status">
            Reconnecting… keep this page open.
          </p>
        )}
        {stage === 'waiting' ? (
          <div data-testid="waiting-room">
            <p class="nhsuk-body-l" role="status">
              The health professional will let you in when they are ready. Keep this page open.
            </p>
            <div class="app-tiles">
              <Video stream={stream} label="You" local testid="local-video" />
            </div>
          </div>
        ) : (
          mesh.current && (
            <Call
              mesh={mesh.current}
              local={stream}
              remotes={remotes}
              chat={chat}
              poor={poor}
              audioOnly={audioOnly}
              onAudioOnly={(on) => {
                mesh.current?.setAudioOnly(on);
                setAudioOnly(on);
              }}
            />
          )
        )}
      </>
    );
  }

  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <ErrorSummary errors={errors} />
        <span class="nhsuk-caption-l">{info.practice}</span>
        <h1>Your video consultation</h1>
        <p class="nhsuk-body-l">
          Your appointment is at <strong>{info.when}</strong>.
        </p>
        <h2>1. Check your camera, microphone and connection</h2>
        <p>Your browser will ask to use your camera and microphone. Select allow.</p>
        <button type="button" id="check-button" class="nhsuk-button nhsuk-button--secondary" onClick={doCheck} disabled={checking}>
          {checking ? 'Checking…' : check ? 'Check again' : 'Check my device'}
        </button>
        {stream && (
          <div class="app-tiles">
            <Video stream={stream} label="You" local testid="local-video" />
          </div>
        )}
        {check && <CheckSummary check={check} />}
        <h2>2. Read this before you enter</h2>
        <div class="nhsuk-inset-text" data-testid="consent">
          <span class="nhsuk-u-visually-hidden">Information: </span>
          <p>{info.consent.text}</p>
        </div>
        <form onSubmit={enter} novalidate>
          <button class="nhsuk-button" type="submit" data-testid="enter">
            Enter the waiting room
          </button>
        </form>
      </div>
    </div>
  );
}

const yesNo = (ok: boolean, good: string, bad: string) => (
  <strong class={`nhsuk-tag ${ok ? 'nhsuk-tag--green' : 'nhsuk-tag--red'}`}>{ok ? good : bad}</strong>
);

function CheckSummary({ check }: { check: CheckResult }) {
  const rows: [string, preact.ComponentChildren][] = [
    ['Camera', yesNo(check.camera, 'Working', 'Not found')],
    ['Microphone', yesNo(check.microphone, 'Working', 'Not found')],
    [
      'Speaker',
      <>
        {yesNo(check.speaker, 'Working', 'Not found')}{' '}
        <button type="button" class="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0" onClick={playTone}>
          Play a test sound
        </button>
      </>,
    ],
    [
      'Connection',
      check.connection === 'none' ? (
        yesNo(false, '', 'Cannot connect')
      ) : (
        <>
          {yesNo(true, check.connection === 'direct' ? 'Direct' : 'Through our relay', '')}
          {check.uplink_kbps > 0 && <span class="nhsuk-u-margin-left-2">about {Math.round(check.uplink_kbps / 100) / 10} Mbit/s up</span>}
        </>
      ),
    ],
  ];
  const ok = check.camera && check.microphone && check.connection !== 'none';
  return (
    <>
      <dl class="nhsuk-summary-list" data-testid="check-result">
        {rows.map(([k, v]) => (
          <div class="nhsuk-summary-list__row" key={k}>
            <dt class="nhsuk-summary-list__key">{k}</dt>
            <dd class="nhsuk-summary-list__value">{v}</dd>
          </div>
        ))}
      </dl>
      <p class="nhsuk-body" data-testid="check-verdict">
        {ok
          ? 'Your device is ready for a video consultation.'
          : 'There is a problem with your device. You can still enter: the health professional can switch to a telephone call.'}
      </p>
    </>
  );
}

function Invalid({ problem }: { problem: { status: number; text: string } | null }) {
  const used = problem?.status === 403;
  return (
    <LinkNotValid heading={used ? 'This link has already been used' : 'This link does not work'}>
      <p data-testid="link-problem">{problem?.text}</p>
      <p>Contact the practice that sent you the link. They can send you a new one or arrange a telephone call.</p>
    </LinkNotValid>
  );
}

function NoWebRTC({ practice }: { practice: string }) {
  return (
    <LinkNotValid heading="Your browser cannot make video calls">
      <p>To join the consultation, open the link in one of these browsers:</p>
      <ul>
        <li>Safari, on an iPhone or iPad</li>
        <li>Chrome, on an Android phone or a computer</li>
        <li>Edge or Firefox, on a computer</li>
      </ul>
      <p>If you cannot, phone {practice} and ask for a telephone appointment instead.</p>
    </LinkNotValid>
  );
}
