package sqlite

import (
	"fmt"
	"testing"

	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/storetest"
)

// TestContract runs the contract every store meets (package storetest).
func TestContract(t *testing.T) {
	t.Run("identity", func(t *testing.T) {
		storetest.Identity(t, storetest.IdentityBackend{
			Open: func(t *testing.T) identity.Store { return openTest(t) },
			AlterAudit: func(t *testing.T, s identity.Store, seq int64) {
				tamper(t, s.(*DB), fmt.Sprintf(`UPDATE audit SET action = 'altered' WHERE seq = %d`, seq))
			},
		})
	})
	t.Run("audit", func(t *testing.T) {
		storetest.Audit(t, storetest.AuditBackend{
			Open: func(t *testing.T) identity.Store { return openTest(t) },
			Exec: func(t *testing.T, s identity.Store, stmt string) error {
				_, err := s.(*DB).write.ExecContext(t.Context(), stmt)
				return err
			},
			Tamper: func(t *testing.T, s identity.Store, stmts ...string) { tamper(t, s.(*DB), stmts...) },
		})
	})
	t.Run("messaging", func(t *testing.T) {
		storetest.Messaging(t, func(t *testing.T) storetest.MessagingStore { return openTest(t) })
	})
	t.Run("consult", func(t *testing.T) {
		storetest.Consult(t, func(t *testing.T) storetest.ConsultStore { return openTest(t) })
	})
	t.Run("incident", func(t *testing.T) {
		storetest.Incident(t, func(t *testing.T) storetest.IncidentStore { return openTest(t) })
	})
	t.Run("records", func(t *testing.T) {
		storetest.Records(t, func(t *testing.T) storetest.RecordsStore { return openTest(t) })
	})
	t.Run("dpo", func(t *testing.T) {
		storetest.DPO(t, func(t *testing.T) storetest.DPOStore { return openTest(t) })
	})
}
