package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/audit"
	"github.com/switchboard-nhs/switchboard/internal/fault"
	"github.com/switchboard-nhs/switchboard/internal/incident"
)

// Duty roles, the rota, call-in lists, urgent messages and incidents.

// incidentLock serialises declarations, which number incidents.
const incidentLock = 0x1c1de7

const dutyRoleColumns = `id, org_id, name, escalate_role, escalate_user, escalate_after_s, may_declare, holder_id, created_at`

func (db *Store) scanDutyRole(row scanner) (*incident.DutyRole, error) {
	var r incident.DutyRole
	var after, created int64
	if err := row.Scan(&r.ID, &r.OrgID, &r.Name, &r.EscalateRole, &r.EscalateUser, &after, &r.MayDeclare, &r.HolderID, &created); err != nil {
		return nil, db.translate(err)
	}
	r.EscalateAfter, r.CreatedAt = time.Duration(after)*time.Second, fromMicros(created)
	return &r, nil
}

// CreateDutyRole stores a new duty role.
func (db *Store) CreateDutyRole(ctx context.Context, r *incident.DutyRole, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO duty_roles(`+dutyRoleColumns+`, name_key) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			r.ID, r.OrgID, r.Name, r.EscalateRole, r.EscalateUser, int64(r.EscalateAfter/time.Second), r.MayDeclare, r.HolderID,
			micros(r.CreatedAt), strings.ToLower(r.Name))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

func (db *Store) dutyRoles(ctx context.Context, where string, args ...any) ([]*incident.DutyRole, error) {
	rows, err := db.query(ctx, `SELECT `+dutyRoleColumns+` FROM duty_roles `+where+` ORDER BY name_key`, args...)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*incident.DutyRole
	for rows.Next() {
		r, err := db.scanDutyRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, db.translate(rows.Err())
}

// DutyRoles lists an organisation's duty roles by name.
func (db *Store) DutyRoles(ctx context.Context, orgID string) ([]*incident.DutyRole, error) {
	return db.dutyRoles(ctx, `WHERE org_id = ?`, orgID)
}

// AllDutyRoles lists every organisation's duty roles.
func (db *Store) AllDutyRoles(ctx context.Context) ([]*incident.DutyRole, error) {
	return db.dutyRoles(ctx, ``)
}

// DutyRole returns one duty role.
func (db *Store) DutyRole(ctx context.Context, id string) (*incident.DutyRole, error) {
	return db.scanDutyRole(db.queryRow(ctx, `SELECT `+dutyRoleColumns+` FROM duty_roles WHERE id = ?`, id))
}

// SetHolder records the holder the role's conversations follow, if it
// is still from.
func (db *Store) SetHolder(ctx context.Context, roleID, from, to string) (bool, error) {
	return db.claim(ctx, `UPDATE duty_roles SET holder_id = ? WHERE id = ? AND holder_id = ?`, to, roleID, from)
}

// AddShift adds a shift to a role's rota.
func (db *Store) AddShift(ctx context.Context, s *incident.Shift, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO duty_shifts(id, role_id, user_id, starts_at, ends_at, created_at) VALUES (?,?,?,?,?,?)`,
			s.ID, s.RoleID, s.UserID, micros(s.Start), micros(s.End), micros(s.CreatedAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

func (db *Store) shifts(ctx context.Context, where string, args ...any) ([]*incident.Shift, error) {
	rows, err := db.query(ctx, `SELECT id, role_id, user_id, starts_at, ends_at, created_at FROM duty_shifts `+where+
		` ORDER BY starts_at, created_at`, args...)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*incident.Shift
	for rows.Next() {
		var s incident.Shift
		var start, end, created int64
		if err := rows.Scan(&s.ID, &s.RoleID, &s.UserID, &start, &end, &created); err != nil {
			return nil, db.translate(err)
		}
		s.Start, s.End, s.CreatedAt = fromMicros(start), fromMicros(end), fromMicros(created)
		out = append(out, &s)
	}
	return out, db.translate(rows.Err())
}

// Shifts lists the role's shifts that have not ended by at.
func (db *Store) Shifts(ctx context.Context, roleID string, at time.Time) ([]*incident.Shift, error) {
	return db.shifts(ctx, `WHERE role_id = ? AND (ends_at = 0 OR ends_at > ?)`, roleID, micros(at))
}

// RunningShifts lists every role's shifts running at at.
func (db *Store) RunningShifts(ctx context.Context, at time.Time) ([]*incident.Shift, error) {
	t := micros(at)
	return db.shifts(ctx, `WHERE starts_at <= ? AND (ends_at = 0 OR ends_at > ?)`, t, t)
}

// CreateCallList stores a new, empty call-in list.
func (db *Store) CreateCallList(ctx context.Context, l *incident.CallList, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO call_lists(id, org_id, name, name_key, created_at) VALUES (?,?,?,?,?)`,
			l.ID, l.OrgID, l.Name, strings.ToLower(l.Name), micros(l.CreatedAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// AddCallListMembers puts users on a list.
func (db *Store) AddCallListMembers(ctx context.Context, listID string, users []string, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		for _, u := range users {
			if _, err := tx.exec(ctx, `INSERT INTO call_list_members(list_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING`, listID, u); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, ev)
	})
}

// CallLists lists an organisation's call-in lists with their members.
func (db *Store) CallLists(ctx context.Context, orgID string) ([]*incident.CallList, error) {
	rows, err := db.query(ctx, `SELECT l.id, l.name, l.created_at, COALESCE(m.user_id, '') FROM call_lists l
		LEFT JOIN call_list_members m ON m.list_id = l.id
		WHERE l.org_id = ? ORDER BY l.name_key, m.user_id`, orgID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*incident.CallList
	for rows.Next() {
		var id, name, user string
		var created int64
		if err := rows.Scan(&id, &name, &created, &user); err != nil {
			return nil, db.translate(err)
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, &incident.CallList{ID: id, OrgID: orgID, Name: name, CreatedAt: fromMicros(created)})
		}
		if user != "" {
			l := out[len(out)-1]
			l.Members = append(l.Members, user)
		}
	}
	return out, db.translate(rows.Err())
}

// PutRoleConversation records a conversation with a duty role.
func (db *Store) PutRoleConversation(ctx context.Context, rc *incident.RoleConversation) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO duty_conversations(conversation_id, role_id, caller_id) VALUES (?,?,?)`,
			rc.Conversation, rc.RoleID, rc.CallerID)
		return err
	})
}

// RoleConversation returns the duty role a conversation is with.
func (db *Store) RoleConversation(ctx context.Context, conversation string) (*incident.RoleConversation, error) {
	rc := incident.RoleConversation{Conversation: conversation}
	err := db.queryRow(ctx, `SELECT role_id, caller_id FROM duty_conversations WHERE conversation_id = ?`, conversation).
		Scan(&rc.RoleID, &rc.CallerID)
	if err != nil {
		return nil, db.translate(err)
	}
	return &rc, nil
}

// RoleConversations lists a duty role's conversations.
func (db *Store) RoleConversations(ctx context.Context, roleID string) ([]*incident.RoleConversation, error) {
	rows, err := db.query(ctx, `SELECT conversation_id, caller_id FROM duty_conversations WHERE role_id = ? ORDER BY conversation_id`, roleID)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*incident.RoleConversation
	for rows.Next() {
		rc := incident.RoleConversation{RoleID: roleID}
		if err := rows.Scan(&rc.Conversation, &rc.CallerID); err != nil {
			return nil, db.translate(err)
		}
		out = append(out, &rc)
	}
	return out, db.translate(rows.Err())
}

const urgentColumns = `u.conversation_id, u.client_id, u.latest_id, u.seq, u.sender_id, u.sender_device, u.role_id,
	u.escalate_after_s, u.sent_at, u.notified_at, u.escalated_at, u.escalated_to, u.closed_at`

// PutUrgent stores an urgent message and its recipients.
func (db *Store) PutUrgent(ctx context.Context, u *incident.Urgent) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO urgent_messages(conversation_id, client_id, latest_id, seq, sender_id, sender_device,
			role_id, escalate_after_s, sent_at, notified_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			u.Conversation, u.ClientID, u.LatestID, u.Seq, u.SenderID, u.SenderDevice, u.RoleID,
			int64(u.EscalateAfter/time.Second), micros(u.SentAt), micros(u.NotifiedAt))
		if err != nil {
			return err
		}
		for _, r := range u.Recipients {
			_, err := tx.exec(ctx, `INSERT INTO urgent_recipients(conversation_id, client_id, user_id, via, added_at) VALUES (?,?,?,?,?)`,
				u.Conversation, u.ClientID, r.UserID, r.Via, micros(r.AddedAt))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// urgent reads urgent messages and their recipients.
func (db *Store) urgent(ctx context.Context, q rowsQuerier, where string, args ...any) ([]*incident.Urgent, error) {
	rows, err := q.query(ctx, `SELECT `+urgentColumns+`, r.user_id, r.via, r.added_at, r.acked_at
		FROM urgent_messages u JOIN urgent_recipients r ON r.conversation_id = u.conversation_id AND r.client_id = u.client_id
		`+where+` ORDER BY u.sent_at DESC, u.conversation_id, u.client_id, r.added_at, r.user_id`, args...)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*incident.Urgent
	for rows.Next() {
		var u incident.Urgent
		var r incident.Recipient
		var after, sent, notified, escalated, closed, added, acked int64
		err := rows.Scan(&u.Conversation, &u.ClientID, &u.LatestID, &u.Seq, &u.SenderID, &u.SenderDevice, &u.RoleID,
			&after, &sent, &notified, &escalated, &u.EscalatedTo, &closed, &r.UserID, &r.Via, &added, &acked)
		if err != nil {
			return nil, db.translate(err)
		}
		r.AddedAt, r.AckedAt = fromMicros(added), fromMicros(acked)
		if n := len(out); n > 0 && out[n-1].Conversation == u.Conversation && out[n-1].ClientID == u.ClientID {
			out[n-1].Recipients = append(out[n-1].Recipients, r)
			continue
		}
		u.EscalateAfter = time.Duration(after) * time.Second
		u.SentAt, u.NotifiedAt, u.EscalatedAt, u.ClosedAt = fromMicros(sent), fromMicros(notified), fromMicros(escalated), fromMicros(closed)
		u.Recipients = []incident.Recipient{r}
		out = append(out, &u)
	}
	return out, db.translate(rows.Err())
}

// rowsQuerier runs a query outside a transaction (*Store) or in one (*txn).
type rowsQuerier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// UrgentByMessage finds an urgent message by its first or latest copy.
func (db *Store) UrgentByMessage(ctx context.Context, conversation, clientID string) (*incident.Urgent, error) {
	us, err := db.urgent(ctx, db, `WHERE u.conversation_id = ? AND (u.client_id = ? OR u.latest_id = ?)`, conversation, clientID, clientID)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, fault.New(fault.NotFound, "There is no such urgent message.")
	}
	return us[0], nil
}

// ConversationUrgent lists a conversation's urgent messages.
func (db *Store) ConversationUrgent(ctx context.Context, conversation string, openOnly bool) ([]*incident.Urgent, error) {
	if openOnly {
		return db.urgent(ctx, db, `WHERE u.conversation_id = ? AND u.closed_at = 0`, conversation)
	}
	return db.urgent(ctx, db, `WHERE u.conversation_id = ?`, conversation)
}

// DueUrgent lists open urgent messages due to be notified or escalated.
func (db *Store) DueUrgent(ctx context.Context, notifiedBefore, at time.Time) ([]*incident.Urgent, error) {
	return db.urgent(ctx, db, `WHERE u.closed_at = 0 AND (u.notified_at <= ?
		OR (u.escalated_at = 0 AND u.sent_at + u.escalate_after_s * 1000000 <= ?))`, micros(notifiedBefore), micros(at))
}

// OpenUrgentIn lists the open urgent messages of the conversations.
func (db *Store) OpenUrgentIn(ctx context.Context, conversations []string) ([]*incident.Urgent, error) {
	var out []*incident.Urgent
	for len(conversations) > 0 {
		n := min(len(conversations), 500)
		args := make([]any, n)
		for i, c := range conversations[:n] {
			args[i] = c
		}
		us, err := db.urgent(ctx, db, `WHERE u.closed_at = 0 AND u.conversation_id IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
		conversations = conversations[n:]
	}
	return out, nil
}

// PendingUrgent lists the open urgent messages the user has yet to
// acknowledge.
func (db *Store) PendingUrgent(ctx context.Context, userID string) ([]*incident.Urgent, error) {
	return db.urgent(ctx, db, `WHERE u.closed_at = 0 AND EXISTS (SELECT 1 FROM urgent_recipients p
		WHERE p.conversation_id = u.conversation_id AND p.client_id = u.client_id AND p.user_id = ? AND p.acked_at = 0)`, userID)
}

// MessageSeq finds the seq of a message a device sent.
func (db *Store) MessageSeq(ctx context.Context, conversation, deviceID, clientID string) (int64, error) {
	var seq int64
	err := db.queryRow(ctx, `SELECT seq FROM messages WHERE conversation_id = ? AND device_id = ? AND client_id = ?
		AND client_id <> '' AND kind = 'application'`, conversation, deviceID, clientID).Scan(&seq)
	return seq, db.translate(err)
}

// ResendUrgent records a new copy of an urgent message.
func (db *Store) ResendUrgent(ctx context.Context, conversation, clientID, latestID string, seq int64) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `UPDATE urgent_messages SET latest_id = ?, seq = ? WHERE conversation_id = ? AND client_id = ?`,
			latestID, seq, conversation, clientID)
		return err
	})
}

// closeAcknowledged closes the conversation's open urgent messages that
// nobody has left to acknowledge.
func closeAcknowledged(ctx context.Context, tx *txn, conversation string, at int64) error {
	_, err := tx.exec(ctx, `UPDATE urgent_messages SET closed_at = ? WHERE conversation_id = ? AND closed_at = 0
		AND NOT EXISTS (SELECT 1 FROM urgent_recipients r WHERE r.conversation_id = urgent_messages.conversation_id
			AND r.client_id = urgent_messages.client_id AND r.acked_at = 0)`, at, conversation)
	return err
}

// AckUrgent records an acknowledgement.
func (db *Store) AckUrgent(ctx context.Context, conversation, clientID, userID string, at time.Time) (bool, error) {
	var closed int64
	err := db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `UPDATE urgent_recipients SET acked_at = ? WHERE conversation_id = ? AND client_id = ? AND user_id = ?
			AND acked_at = 0`, micros(at), conversation, clientID, userID)
		if err != nil {
			return err
		}
		if err := closeAcknowledged(ctx, tx, conversation, micros(at)); err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT closed_at FROM urgent_messages WHERE conversation_id = ? AND client_id = ?`,
			conversation, clientID).Scan(&closed)
	})
	return closed != 0, err
}

// AddUrgentRecipients adds recipients to open urgent messages.
func (db *Store) AddUrgentRecipients(ctx context.Context, conversation, clientID string, users []string, via string, at time.Time) error {
	return db.tx(ctx, func(tx *txn) error {
		for _, u := range users {
			_, err := tx.exec(ctx, `INSERT INTO urgent_recipients(conversation_id, client_id, user_id, via, added_at)
				SELECT conversation_id, client_id, CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT) FROM urgent_messages
				WHERE conversation_id = ? AND closed_at = 0 AND (CAST(? AS TEXT) = '' OR client_id = ?) AND sender_id <> ?
				ON CONFLICT DO NOTHING`, u, via, micros(at), conversation, clientID, clientID, u)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// DropUrgentRecipient takes a user out of the open urgent messages they
// have not acknowledged.
func (db *Store) DropUrgentRecipient(ctx context.Context, conversation, userID string, at time.Time) error {
	return db.tx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `DELETE FROM urgent_recipients WHERE conversation_id = ? AND user_id = ? AND acked_at = 0
			AND client_id IN (SELECT client_id FROM urgent_messages WHERE conversation_id = ? AND closed_at = 0)`,
			conversation, userID, conversation)
		if err != nil {
			return err
		}
		return closeAcknowledged(ctx, tx, conversation, micros(at))
	})
}

// UrgentNotified records a notification if nobody recorded one since was.
func (db *Store) UrgentNotified(ctx context.Context, conversation, clientID string, was, at time.Time) (bool, error) {
	return db.claim(ctx, `UPDATE urgent_messages SET notified_at = ? WHERE conversation_id = ? AND client_id = ? AND notified_at = ?`,
		micros(at), conversation, clientID, micros(was))
}

// UrgentEscalated records an escalation if there was none.
func (db *Store) UrgentEscalated(ctx context.Context, conversation, clientID, to string, at time.Time) (bool, error) {
	return db.claim(ctx, `UPDATE urgent_messages SET escalated_at = ?, escalated_to = ? WHERE conversation_id = ? AND client_id = ?
		AND escalated_at = 0`, micros(at), to, conversation, clientID)
}

// claim runs an update that changes one row or none, and reports which.
func (db *Store) claim(ctx context.Context, q string, args ...any) (bool, error) {
	var n int64
	err := db.tx(ctx, func(tx *txn) error {
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

const incidentColumns = `id, org_id, number, kind, exercise, conversation_id, declared_by, commander_id, declared_at, closed_at, version`

func (db *Store) scanIncident(row scanner) (*incident.Incident, error) {
	var in incident.Incident
	var kind string
	var declared, closed int64
	err := row.Scan(&in.ID, &in.OrgID, &in.Number, &kind, &in.Exercise, &in.Conversation, &in.DeclaredBy, &in.CommanderID,
		&declared, &closed, &in.Version)
	if err != nil {
		return nil, db.translate(err)
	}
	in.Kind, in.DeclaredAt, in.ClosedAt = incident.Kind(kind), fromMicros(declared), fromMicros(closed)
	return &in, nil
}

// incidentEvent appends to an incident's timeline.
func incidentEvent(ctx context.Context, tx *txn, id string, at time.Time, kind, actor, subject, detail string) error {
	_, err := tx.exec(ctx, `INSERT INTO incident_events(incident_id, at, kind, actor_id, subject_id, detail) VALUES (?,?,?,?,?,?)`,
		id, micros(at), kind, actor, subject, detail)
	return err
}

// bump moves an incident to its next version, locking its row until the
// transaction ends. A roll-call's answers queue on this row: one
// statement, one round trip to the database while it is held.
func bump(ctx context.Context, tx *txn, id string) (int64, error) {
	var v, closed int64
	if err := tx.queryRow(ctx, `UPDATE incidents SET version = version + 1 WHERE id = ? RETURNING version, closed_at`, id).Scan(&v, &closed); err != nil {
		return 0, err
	}
	if closed != 0 {
		return 0, fault.New(fault.Conflict, "The incident is closed.")
	}
	return v, nil
}

// CreateIncident stores an incident with everyone it alerts.
func (db *Store) CreateIncident(ctx context.Context, in *incident.Incident, people []*incident.Alerted, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := tx.lock(ctx, incidentLock); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(number), 0) FROM incidents WHERE org_id = ?`, in.OrgID).Scan(&n); err != nil {
			return err
		}
		in.Number, in.Version = n+1, 1
		_, err := tx.exec(ctx, `INSERT INTO incidents(`+incidentColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			in.ID, in.OrgID, in.Number, string(in.Kind), in.Exercise, in.Conversation, in.DeclaredBy, in.CommanderID,
			micros(in.DeclaredAt), 0, in.Version)
		if err != nil {
			return err
		}
		var names []string
		for _, l := range in.Lists {
			if _, err := tx.exec(ctx, `INSERT INTO incident_lists(incident_id, list_id, name) VALUES (?,?,?)`, in.ID, l.ListID, l.Name); err != nil {
				return err
			}
			names = append(names, l.Name)
		}
		// Many rows a statement: the alert waits for this transaction.
		const rows = 500
		for len(people) > 0 {
			n := min(len(people), rows)
			args := make([]any, 0, 5*n)
			for _, a := range people[:n] {
				a.Version = in.Version
				args = append(args, in.ID, a.UserID, strings.Join(a.Lists, ","), micros(a.AlertedAt), a.Version)
			}
			values := strings.TrimSuffix(strings.Repeat("(?,?,?,?,?),", n), ",")
			if _, err := tx.exec(ctx, `INSERT INTO incident_people(incident_id, user_id, lists, alerted_at, version) VALUES `+values, args...); err != nil {
				return err
			}
			people = people[n:]
		}
		if err := incidentEvent(ctx, tx, in.ID, in.DeclaredAt, incident.EventDeclared, in.DeclaredBy, "", strings.Join(names, ", ")); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

func (db *Store) incidentLists(ctx context.Context, in *incident.Incident) error {
	rows, err := db.query(ctx, `SELECT list_id, name, stood_down_at FROM incident_lists WHERE incident_id = ? ORDER BY name`, in.ID)
	if err != nil {
		return db.translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var l incident.IncidentList
		var at int64
		if err := rows.Scan(&l.ListID, &l.Name, &at); err != nil {
			return db.translate(err)
		}
		l.StoodDownAt = fromMicros(at)
		in.Lists = append(in.Lists, l)
	}
	return db.translate(rows.Err())
}

// Incident returns an incident with its lists.
func (db *Store) Incident(ctx context.Context, id string) (*incident.Incident, error) {
	in, err := db.scanIncident(db.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	return in, db.incidentLists(ctx, in)
}

// Incidents lists an organisation's incidents, newest first.
func (db *Store) Incidents(ctx context.Context, orgID string, openOnly bool) ([]*incident.Incident, error) {
	q := `SELECT ` + incidentColumns + ` FROM incidents WHERE org_id = ?`
	if openOnly {
		q += ` AND closed_at = 0`
	}
	rows, err := db.query(ctx, q+` ORDER BY number DESC`, orgID)
	if err != nil {
		return nil, db.translate(err)
	}
	var out []*incident.Incident
	for rows.Next() {
		in, err := db.scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.translate(err)
	}
	for _, in := range out {
		if err := db.incidentLists(ctx, in); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AlertedIn lists the incidents that alerted the user.
func (db *Store) AlertedIn(ctx context.Context, userID string) ([]string, error) {
	return db.strings(ctx, `SELECT incident_id FROM incident_people WHERE user_id = ? ORDER BY incident_id`, userID)
}

// IncidentPeople lists the people an incident alerted whose line changed
// after version.
func (db *Store) IncidentPeople(ctx context.Context, id string, after int64) ([]*incident.Alerted, error) {
	rows, err := db.query(ctx, `SELECT p.user_id, u.email, u.name, u.team, p.lists, p.alerted_at, p.state, p.eta_minutes,
		p.answered_at, p.stood_down_at, p.version
		FROM incident_people p JOIN users u ON u.id = p.user_id
		WHERE p.incident_id = ? AND p.version > ? ORDER BY u.name, u.email`, id, after)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []*incident.Alerted
	for rows.Next() {
		var a incident.Alerted
		var lists, state string
		var alerted, answered, stood int64
		err := rows.Scan(&a.UserID, &a.Email, &a.Name, &a.Team, &lists, &alerted, &state, &a.ETA, &answered, &stood, &a.Version)
		if err != nil {
			return nil, db.translate(err)
		}
		a.Lists, a.State = strings.Split(lists, ","), incident.State(state)
		a.AlertedAt, a.AnsweredAt, a.StoodDownAt = fromMicros(alerted), fromMicros(answered), fromMicros(stood)
		out = append(out, &a)
	}
	return out, db.translate(rows.Err())
}

// Answer records roll-call answers at one new version.
func (db *Store) Answer(ctx context.Context, id string, rs []incident.Response) (int64, []error, error) {
	var v int64
	errs := make([]error, len(rs))
	err := db.tx(ctx, func(tx *txn) error {
		var err error
		if v, err = bump(ctx, tx, id); err != nil {
			return err
		}
		set, err := tx.prepare(ctx, `UPDATE incident_people SET state = ?, eta_minutes = ?, answered_at = ?, version = ?
			WHERE incident_id = ? AND user_id = ?`)
		if err != nil {
			return err
		}
		defer set.close()
		for i, r := range rs {
			res, err := set.exec(ctx, string(r.State), r.ETA, micros(r.At), v, id, r.UserID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				errs[i] = fault.New(fault.NotFound, "They were not alerted.")
				continue
			}
			detail := string(r.State)
			if r.State == incident.EnRoute {
				detail += " eta " + strconv.Itoa(r.ETA)
			}
			if err := incidentEvent(ctx, tx, id, r.At, incident.EventAnswered, r.UserID, r.UserID, detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return v, errs, nil
}

// StandDown stands down lists of an incident and the people on them.
func (db *Store) StandDown(ctx context.Context, id string, listIDs []string, actor string, at time.Time, ev audit.Event) ([]string, error) {
	var users []string
	err := db.tx(ctx, func(tx *txn) error {
		v, err := bump(ctx, tx, id)
		if err != nil {
			return err
		}
		var names []string
		for _, l := range listIDs {
			var name string
			if err := tx.queryRow(ctx, `SELECT name FROM incident_lists WHERE incident_id = ? AND list_id = ?`, id, l).Scan(&name); err != nil {
				return err
			}
			names = append(names, name)
			if _, err := tx.exec(ctx, `UPDATE incident_lists SET stood_down_at = ? WHERE incident_id = ? AND list_id = ? AND stood_down_at = 0`,
				micros(at), id, l); err != nil {
				return err
			}
		}
		// Someone on several lists is stood down once every one of their
		// lists is.
		downLists, err := txStrings(ctx, tx, `SELECT list_id FROM incident_lists WHERE incident_id = ? AND stood_down_at <> 0`, id)
		if err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT user_id, lists FROM incident_people WHERE incident_id = ? AND stood_down_at = 0`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var u, lists string
			if err := rows.Scan(&u, &lists); err != nil {
				rows.Close()
				return err
			}
			all := true
			for _, l := range strings.Split(lists, ",") {
				all = all && slices.Contains(downLists, l)
			}
			if all {
				users = append(users, u)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, u := range users {
			if _, err := tx.exec(ctx, `UPDATE incident_people SET stood_down_at = ?, version = ? WHERE incident_id = ? AND user_id = ?`,
				micros(at), v, id, u); err != nil {
				return err
			}
		}
		if err := incidentEvent(ctx, tx, id, at, incident.EventStoodDown, actor, "", strings.Join(names, ", ")); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
	return users, err
}

// SetCommander hands command of an incident to someone else.
func (db *Store) SetCommander(ctx context.Context, id, userID, actor string, at time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		v, err := bump(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET commander_id = ?, version = ? WHERE id = ?`, userID, v, id); err != nil {
			return err
		}
		if err := incidentEvent(ctx, tx, id, at, incident.EventCommander, actor, userID, ""); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// CloseIncident closes an incident, standing everyone down.
func (db *Store) CloseIncident(ctx context.Context, id, actor string, at time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		v, err := bump(ctx, tx, id)
		if err != nil {
			return err
		}
		t := micros(at)
		if _, err := tx.exec(ctx, `UPDATE incidents SET closed_at = ? WHERE id = ?`, t, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE incident_lists SET stood_down_at = ? WHERE incident_id = ? AND stood_down_at = 0`, t, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE incident_people SET stood_down_at = ?, version = ? WHERE incident_id = ? AND stood_down_at = 0`,
			t, v, id); err != nil {
			return err
		}
		if err := incidentEvent(ctx, tx, id, at, incident.EventClosed, actor, "", ""); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// IncidentEvents lists an incident's timeline.
func (db *Store) IncidentEvents(ctx context.Context, id string) ([]incident.Event, error) {
	rows, err := db.query(ctx, `SELECT seq, at, kind, actor_id, subject_id, detail FROM incident_events WHERE incident_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, db.translate(err)
	}
	defer rows.Close()
	var out []incident.Event
	for rows.Next() {
		var e incident.Event
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.ActorID, &e.SubjectID, &e.Detail); err != nil {
			return nil, db.translate(err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, db.translate(rows.Err())
}

// RecordExport notes an export of an incident's log.
func (db *Store) RecordExport(ctx context.Context, id, actor string, at time.Time, ev audit.Event) error {
	return db.tx(ctx, func(tx *txn) error {
		if err := incidentEvent(ctx, tx, id, at, incident.EventExported, actor, "", ""); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ev)
	})
}

// txStrings runs a query of one text column inside a transaction.
func txStrings(ctx context.Context, tx *txn, query string, args ...any) ([]string, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ActiveDevices lists the users' devices that are not revoked.
func (db *Store) ActiveDevices(ctx context.Context, users []string) ([]string, error) {
	var out []string
	for len(users) > 0 {
		n := min(len(users), 500)
		args := make([]any, n)
		for i, u := range users[:n] {
			args[i] = u
		}
		ds, err := db.strings(ctx, `SELECT id FROM devices WHERE revoked_at = 0 AND user_id IN (`+placeholders(n)+`) ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
		users = users[n:]
	}
	return out, nil
}
