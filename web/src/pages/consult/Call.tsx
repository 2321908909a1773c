import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ChatLine, type Mesh, type Remote, roleName } from './mesh';

/** Video shows a stream; the local preview is muted and mirrored. */
export function Video({ stream, label, local, testid }: { stream: MediaStream | null; label: string; local?: boolean; testid?: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return (
    <figure class={`app-tile${local ? ' app-tile--local' : ''}`} data-testid={testid}>
      <video ref={ref} autoplay playsInline muted={local} aria-label={label} />
      <figcaption class="app-tile__label">{label}</figcaption>
    </figure>
  );
}

interface Props {
  mesh: Mesh;
  local: MediaStream | null;
  remotes: Remote[];
  chat: ChatLine[];
  poor: boolean;
  audioOnly: boolean;
  onAudioOnly: (on: boolean) => void;
  children?: ComponentChildren;
}

/** Call is the call itself: everyone's video, the camera and microphone
 * toggles, the poor-connection warning and the chat, which goes over the
 * call's own data channels and never through the server. */
export function Call({ mesh, local, remotes, chat, poor, audioOnly, onAudioOnly, children }: Props) {
  const [camera, setCamera] = useState(true);
  const [mic, setMic] = useState(true);
  const [text, setText] = useState('');
  const [chatError, setChatError] = useState('');

  const send = (e: Event) => {
    e.preventDefault();
    const t = text.trim();
    if (!t) {
      setChatError('Enter a message');
      return;
    }
    if (!mesh.sendChat(t)) {
      setChatError('Nobody else is connected yet; try again in a moment');
      return;
    }
    setChatError('');
    setText('');
  };

  return (
    <section aria-labelledby="call-heading" data-testid="call">
      <h2 id="call-heading" class="nhsuk-u-visually-hidden">
        Call
      </h2>
      {poor && (
        <div class="nhsuk-warning-callout" data-testid="poor-connection">
          <h3 class="nhsuk-warning-callout__label">
            <span class="nhsuk-u-visually-hidden">Important: </span>Poor connection
          </h3>
          <p>The connection is struggling. {audioOnly ? 'Video is off to keep the sound clear.' : 'Video has been turned off if it persists.'}</p>
        </div>
      )}
      <div class="app-tiles" data-testid="tiles">
        {remotes.map((r) => (
          <Video key={r.info.id} stream={r.stream} label={r.info.label || roleName(r.info.role)} testid={`remote-${r.info.role}`} />
        ))}
        <Video stream={local} label="You" local testid="local-video" />
      </div>
      {remotes.length === 0 && <p class="nhsuk-body" aria-live="polite">Waiting for the other person to connect…</p>}
      <div class="app-actions nhsuk-u-margin-bottom-4">
        <button
          type="button"
          class="nhsuk-button nhsuk-button--secondary"
          aria-pressed={!camera}
          onClick={() => {
            mesh.setCamera(!camera);
            setCamera(!camera);
          }}
        >
          {camera ? 'Turn camera off' : 'Turn camera on'}
        </button>
        <button
          type="button"
          class="nhsuk-button nhsuk-button--secondary"
          aria-pressed={!mic}
          onClick={() => {
            mesh.setMicrophone(!mic);
            setMic(!mic);
          }}
        >
          {mic ? 'Mute microphone' : 'Unmute microphone'}
        </button>
        <button type="button" class="nhsuk-button nhsuk-button--secondary" aria-pressed={audioOnly} onClick={() => onAudioOnly(!audioOnly)}>
          {audioOnly ? 'Turn video back on' : 'Sound only'}
        </button>
        {children}
      </div>
      <form onSubmit={send} novalidate aria-labelledby="chat-heading" class="app-chat">
        <h3 id="chat-heading">Messages</h3>
        <p class="nhsuk-hint">Messages go directly to the people in this call and are not kept.</p>
        <ul class="nhsuk-list app-chat__lines" data-testid="chat-lines" aria-live="polite">
          {chat.map((l) => (
            <li key={`${l.at}-${l.text}`}>
              <strong>{l.from}:</strong> {l.text}
            </li>
          ))}
        </ul>
        <div class={`nhsuk-form-group${chatError ? ' nhsuk-form-group--error' : ''}`}>
          <label class="nhsuk-label" for="chat-text">
            Message
          </label>
          {chatError && (
            <span class="nhsuk-error-message" id="chat-error">
              <span class="nhsuk-u-visually-hidden">Error: </span>
              {chatError}
            </span>
          )}
          <input
            class={`nhsuk-input${chatError ? ' nhsuk-input--error' : ''}`}
            id="chat-text"
            name="chat-text"
            type="text"
            autocomplete="off"
            value={text}
            aria-describedby={chatError ? 'chat-error' : undefined}
            onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <button class="nhsuk-button nhsuk-button--secondary" type="submit">
          Send message
        </button>
      </form>
    </section>
  );
}
