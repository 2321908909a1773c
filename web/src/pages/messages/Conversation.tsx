import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { get, type Me, post } from '../../api';
import { count, when } from '../../format';
import { type AttachmentMeta, open, parseMeta, upload } from '../../messaging/attachments';
import { loadCore, type Message, type Records } from '../../messaging/core';
import { keptLine } from '../../records/kind';
import { onConversation, onMessage, useUnlocked } from '../../messaging/state';
import { useTitle } from '../../title';
import { Composer } from './Composer';
import { IncidentLine, RoleLine, UrgentStatus, urgentFor, useIncidentOf, useRoleOf, useUrgent } from './Urgent';
import { Unlock } from './Unlock';

/** ConversationPage shows one conversation and its composer, behind the
 * PIN like every messaging page. */
export function ConversationPage({ me, id }: { me: Me; id: string }) {
  const unlocked = useUnlocked();
  if (!unlocked) return <Unlock me={me} />;
  return <Conversation me={me} id={id} />;
}

interface Pending {
  key: number;
  text: string;
  state: 'sending' | 'failed';
  error?: string;
}

// PAGE is how many messages are rendered at first, and how many more each
// time the reader scrolls to the top: a long conversation stays quick to
// open and the newest messages are where it opens.
const PAGE = 50;

// NEAR is how close to an end of the message list, in pixels, counts as
// being there.
const NEAR = 48;

interface Cursor {
  device: string;
  email: string;
  seq: number;
}

function Conversation({ me, id }: { me: Me; id: string }) {
  const [name, setName] = useState('');
  const [follows, setFollows] = useState('');
  const [records, setRecords] = useState<Records | null>(null);
  const [msgs, setMsgs] = useState<Message[] | null>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const [cursors, setCursors] = useState<Cursor[]>([]);
  const [error, setError] = useState('');
  const [removed, setRemoved] = useState(false);
  const [names, setNames] = useState<Record<string, string>>({});
  const [readers, setReaders] = useState<Record<string, string[]>>({}); // message ID → emails
  const nextKey = useRef(1);
  const policy = useRef<string>('off');
  const receipted = useRef('');
  const [shown, setShown] = useState(PAGE);
  const thread = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const title = useRef<HTMLHeadingElement>(null);
  const opened = useRef(false);
  useTitle(name || 'Conversation');
  const urgent = useUrgent(id);
  const role = useRoleOf(follows);
  const incident = useIncidentOf(follows);

  // The list opens at its newest message and follows new ones while the
  // reader is at the bottom; someone reading back is left where they are.
  useLayoutEffect(() => {
    const el = thread.current;
    if (!el) return;
    if (anchor.current) {
      // Older messages were added above: keep the same ones on screen.
      el.scrollTop = anchor.current.top + (el.scrollHeight - anchor.current.height);
      anchor.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    if (!opened.current) {
      // On a phone the header would push the composer off screen: start
      // the page at the conversation's name, the thread and composer below.
      opened.current = true;
      title.current?.scrollIntoView({ block: 'start' });
    }
  }, [msgs, pending, shown]);

  // Pictures decrypt after the list is drawn and make it taller: a reader
  // at the bottom stays there.
  useEffect(() => {
    const el = thread.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    for (const child of Array.from(el.children)) ro.observe(child);
    return () => ro.disconnect();
  }, [msgs === null]);

  const total = msgs?.length ?? 0;
  const showOlder = useCallback(() => {
    const el = thread.current;
    if (!el || shown >= total) return;
    anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    setShown((n) => n + PAGE);
  }, [shown, total]);

  const onScroll = () => {
    const el = thread.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR;
    if (el.scrollTop < NEAR && !anchor.current) showOlder();
  };

  // receipt tells the others, where the organisation's policy allows,
  // that the newest of their messages here has been read.
  const receipt = useCallback(
    async (list: Message[]) => {
      if (policy.current === 'off') return;
      const mine = me.user.email.toLowerCase();
      const last = [...list].reverse().find((m) => m.sender.toLowerCase() !== mine);
      if (!last || receipted.current === last.id) return;
      receipted.current = last.id;
      await (await loadCore()).sendReceipt(id, last.id).catch(() => {});
    },
    [id, me.user.email],
  );

  const refresh = useCallback(async () => {
    const core = await loadCore();
    const h = await core.history(id);
    setMsgs(h);
    if (h.length) await core.markRead(id, h[h.length - 1].seq);
  }, [id]);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const core = await loadCore();
        policy.current = await core.receiptPolicy().catch(() => 'off');
        const m = await core.messages(id);
        if (!live) return;
        setMsgs(m);
        void receipt(m);
        const s = (await core.summaries()).find((c) => c.id === id);
        if (live && s) {
          setName(s.name);
          setFollows(s.follows ?? '');
          setRemoved(!!s.removed);
          setRecords(s.records ?? null);
        }
        if (m.length) await core.markRead(id, m[m.length - 1].seq);
      } catch (e) {
        if (live) setError(e instanceof Error ? e.message : String(e));
      }
    })();
    get<{ people: { email: string; name: string }[] }>('/api/directory?q=')
      .then((r) => live && setNames(Object.fromEntries(r.people.map((p) => [p.email, p.name]))))
      .catch(() => {});
    const stop = onMessage((m) => {
      if (m.conversation !== id) return;
      setMsgs((prev) => (prev && !prev.some((x) => x.seq === m.seq) ? [...prev, m] : prev));
      void loadCore().then((c) => c.markRead(id, m.seq));
      void receipt([m]);
    });
    const poll = () => {
      get<{ cursors: Cursor[] }>(`/api/conversations/${encodeURIComponent(id)}/receipts`)
        .then((r) => live && setCursors(r.cursors ?? []))
        .catch(() => {});
      if (policy.current !== 'off') {
        loadCore()
          .then((c) => c.readBy(id))
          .then((r) => {
            if (!live) return;
            const out: Record<string, string[]> = {};
            for (const [msg, rs] of Object.entries(r)) out[msg] = rs.map((x) => x.email.toLowerCase());
            setReaders(out);
          })
          .catch(() => {});
      }
    };
    // Messages filed to the record or past their retention are deleted
    // by the core, which then says the conversation changed.
    const stopConv = onConversation((c) => {
      if (c === id && live) void refresh().catch(() => {});
    });
    void poll();
    const timer = window.setInterval(poll, 5000);
    return () => {
      live = false;
      stopConv();
      stop();
      clearInterval(timer);
    };
  }, [id, receipt, refresh]);

  const send = async (text: string, overridden: string[]) => {
    atBottom.current = true;
    const key = nextKey.current++;
    setPending((p) => [...p, { key, text, state: 'sending' }]);
    try {
      if (overridden.length) await post('/api/pid/overrides', { kinds: overridden }).catch(() => {});
      const core = await loadCore();
      await core.send(id, text);
      setPending((p) => p.filter((x) => x.key !== key));
      await refresh();
      return true;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      setPending((p) => p.map((x) => (x.key === key ? { ...x, state: 'failed', error } : x)));
      return false;
    }
  };

  const attach = async (file: File) => {
    atBottom.current = true;
    const key = nextKey.current++;
    setPending((p) => [...p, { key, text: `Attachment: ${file.name}`, state: 'sending' }]);
    try {
      const meta = await upload(id, file, me.csrf_token);
      const core = await loadCore();
      await core.sendAttachment(id, JSON.stringify(meta));
      setPending((p) => p.filter((x) => x.key !== key));
      await refresh();
      return true;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      setPending((p) => p.map((x) => (x.key === key ? { ...x, state: 'failed', error } : x)));
      return false;
    }
  };

  // read: every other member has read this message or a later one.
  const read = (seq: number) => {
    if (policy.current === 'off' || !msgs) return false;
    const mine = me.user.email.toLowerCase();
    const others = new Set(cursors.filter((c) => c.email.toLowerCase() !== mine).map((c) => c.email.toLowerCase()));
    if (others.size === 0) return false;
    const upTo = new Map<string, number>();
    for (const m of msgs) {
      for (const e of readers[m.id] ?? []) upTo.set(e, Math.max(upTo.get(e) ?? 0, m.seq));
    }
    return [...others].every((e) => (upTo.get(e) ?? 0) >= seq);
  };

  // The messages filing marks name: tagged, until they are deleted.
  const filedIn = new Set((msgs ?? []).filter((m) => m.type === 'filed').flatMap((m) => m.refs ?? []));

  const delivered = (seq: number) => {
    const others = cursors.filter((c) => c.device !== me.device_id);
    return others.length > 0 && others.every((c) => c.seq >= seq);
  };

  return (
    <>
      <a class="nhsuk-back-link" href="/messages">
        Back to messages
      </a>
      <h1 class="sb-conversation-title" ref={title}>{name || 'Conversation'}</h1>
      {role && !incident && <RoleLine role={role} myEmail={me.user.email} />}
      {incident && <IncidentLine incident={incident} />}
      {records && (
        <p class="nhsuk-body-s nhsuk-u-margin-bottom-1 nhsuk-u-secondary-text-colour" data-testid="kept">
          {keptLine(records)}
        </p>
      )}
      <p class="nhsuk-body">
        <a href={`/messages/${id}/members`}>Members and safety codes</a>
        {!removed && (
          <>
            {' · '}
            <a href={`/messages/${id}/file`}>File to the record</a>
          </>
        )}
      </p>
      {error && (
        <div class="nhsuk-error-summary" role="alert">
          <h2 class="nhsuk-error-summary__heading">There is a problem</h2>
          <div class="nhsuk-error-summary__body">
            <p>{error}</p>
          </div>
        </div>
      )}
      {msgs === null && !error && (
        <p class="nhsuk-body" aria-live="polite">
          Decrypting messages…
        </p>
      )}
      {msgs !== null && (
        <div
          class="sb-thread"
          ref={thread}
          onScroll={onScroll}
          tabIndex={0}
          role="region"
          aria-label="Messages"
          data-testid="thread"
        >
          {shown < msgs.length && (
            <p class="sb-thread__older">
              <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" onClick={showOlder}>
                Show earlier messages
              </button>
            </p>
          )}
          <ol class="sb-messages" data-testid="messages">
            {msgs.slice(Math.max(0, msgs.length - shown)).map((m) => {
              const mine = m.sender.toLowerCase() === me.user.email.toLowerCase();
              return (
                <li
                  key={m.seq}
                  class={`sb-message${mine ? ' sb-message--mine' : ''}${m.urgent ? ' sb-message--urgent' : ''}`}
                  data-testid="message"
                >
                  <p class="sb-message__meta">
                    {m.urgent && <strong class="nhsuk-tag nhsuk-tag--red sb-message__tag">Urgent</strong>}
                    {m.type === 'methane' && (
                      <strong class="nhsuk-tag nhsuk-tag--orange sb-message__tag">METHANE report</strong>
                    )}
                    <strong>{mine ? 'You' : (names[m.sender] ?? m.sender)}</strong>{' '}
                    <span class="nhsuk-u-secondary-text-colour">{when(m.sent_at)}</span>
                  </p>
                  {m.type === 'attachment' ? (
                    <Attachment text={m.text} />
                  ) : m.type === 'filed' ? (
                    <FiledMark message={m} />
                  ) : (
                    <p class="sb-message__text">{m.text}</p>
                  )}
                  {filedIn.has(m.id) && (
                    <strong class="nhsuk-tag nhsuk-tag--green sb-message__tag" data-testid="filed-tag">
                      Filed to the record
                    </strong>
                  )}
                  {m.urgent && (
                    <UrgentStatus
                      conversation={id}
                      message={m}
                      state={urgentFor(urgent.list, m)}
                      mine={mine}
                      myEmail={me.user.email}
                      cursors={cursors}
                      onChanged={urgent.reload}
                    />
                  )}
                  {mine && (
                    <p class="sb-message__state" data-testid="state">
                      {read(m.seq) ? 'Read' : delivered(m.seq) ? 'Delivered' : 'Sent'}
                    </p>
                  )}
                </li>
              );
            })}
            {pending.map((p) => (
              <li key={`p${p.key}`} class="sb-message sb-message--mine" data-testid="pending">
                <p class="sb-message__text">{p.text}</p>
                <p class="sb-message__state" data-testid="state">
                  {p.state === 'sending' ? 'Sending…' : `Not sent: ${p.error}`}
                </p>
              </li>
            ))}
          </ol>
          {msgs.length === 0 && pending.length === 0 && <p class="nhsuk-body sb-thread__empty">No messages yet.</p>}
        </div>
      )}
      <div aria-live="polite" class="nhsuk-u-visually-hidden" data-testid="live-count">
        {msgs ? count(msgs.length, 'message') : ''}
      </div>
      {removed ? (
        <div class="nhsuk-inset-text" data-testid="not-a-member">
          <span class="nhsuk-u-visually-hidden">Information: </span>
          <p>
            You are no longer a member of this conversation. What you read before stays here; an admin of the
            conversation can add you again.
          </p>
        </div>
      ) : (
        <div class="sb-composer-dock">
          <Composer onSend={send} onAttach={attach} />
        </div>
      )}
    </>
  );
}

/** Attachment decrypts and shows an attachment in the page: pictures
 * inline, PDFs as a link to open, both from blob: URLs revoked when the
 * message leaves the screen. */
function Attachment({ text }: { text: string }) {
  const meta = parseMeta(text);
  const [url, setUrl] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    if (!meta) return;
    let u = '';
    let live = true;
    open(meta)
      .then((x) => {
        u = x;
        if (live) setUrl(x);
        else URL.revokeObjectURL(x);
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
      if (u) URL.revokeObjectURL(u);
    };
  }, [text]);
  if (!meta) return <p class="sb-message__text">An attachment this app cannot show.</p>;
  if (error) return <p class="sb-message__text">{error}</p>;
  if (!url) return <p class="sb-message__text">Decrypting {meta.name}…</p>;
  return meta.type.startsWith('image/') ? (
    <img class="sb-message__image" src={url} alt={`Picture: ${meta.name}`} data-testid="attachment-image" />
  ) : (
    <p class="sb-message__text">
      <a href={url} download={meta.name} data-testid="attachment-pdf">
        {meta.name} (PDF, {size(meta)})
      </a>
    </p>
  );
}

function size(m: AttachmentMeta): string {
  return m.size < 1024 * 1024 ? `${Math.max(1, Math.round(m.size / 1024))} KB` : `${(m.size / 1048576).toFixed(1)} MB`;
}

/** FiledMark is a member's mark that messages were filed to the record:
 * where they went, how many, and the deletion receipt. */
function FiledMark({ message: m }: { message: Message }) {
  const n = m.refs?.length ?? 0;
  return (
    <p class="sb-message__text" data-testid="filed-mark">
      Filed {n === 1 ? '1 message' : `${n} messages`} to the record: {m.text}.{' '}
      {m.filing && <a href={`/filings/${m.filing}`}>Deletion receipt</a>}
    </p>
  );
}
