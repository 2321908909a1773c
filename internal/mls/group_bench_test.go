package mls

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

var benchNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func benchConfig() Config {
	return Config{Now: func() time.Time { return benchNow }, PaddingBlock: 32, PublicHandshake: true, AcceptAnyCredential: true}
}

func benchKeyPackage(b *testing.B, name string) (*KeyPackage, *KeyPackagePrivate) {
	sigPriv, _, err := GenerateSignatureKeyPair()
	if err != nil {
		b.Fatal(err)
	}
	kp, priv, err := NewKeyPackage(NewBasicCredential([]byte(name)), sigPriv, benchNow, 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return kp, priv
}

// benchPair returns a group of n members in which the first two, the
// committer and a receiver, are live Group objects. The other members
// exist only in the tree, added by one commit, so most parent nodes are
// blank: the tree of a group that has just been created.
func benchPair(b *testing.B, n int) (alice, bob *Group) {
	cfg := benchConfig()
	akp, apriv := benchKeyPackage(b, "alice")
	alice, err := CreateGroup(cfg, []byte("bench ward"), akp, apriv)
	if err != nil {
		b.Fatal(err)
	}
	bkp, bpriv := benchKeyPackage(b, "bob")
	adds := []*KeyPackage{bkp}
	for i := 2; i < n; i++ {
		kp, _ := benchKeyPackage(b, fmt.Sprintf("member %d", i))
		adds = append(adds, kp)
	}
	out, err := alice.Commit(CommitOptions{Add: adds, RatchetTreeInWelcome: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := alice.MergePendingCommit(); err != nil {
		b.Fatal(err)
	}
	w, err := DecodeMLSMessage(out.Welcome)
	if err != nil || w.Welcome == nil {
		b.Fatalf("decode welcome: %v", err)
	}
	if bob, err = JoinGroup(cfg, w.Welcome, bkp, bpriv, nil); err != nil {
		b.Fatal(err)
	}
	return alice, bob
}

// BenchmarkGroupApplication1KiB measures protecting and unprotecting a
// 1 KiB application message in a two-member group.
func BenchmarkGroupApplication1KiB(b *testing.B) {
	alice, bob := benchPair(b, 2)
	msg := bytes.Repeat([]byte("x"), 1024)
	b.Run("encrypt", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			if _, err := alice.Protect(msg, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decrypt", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		// Encrypt in batches with the timer stopped: stopping it for each
		// message would cost more than the decryption measured.
		var batch [][]byte
		for b.Loop() {
			if len(batch) == 0 {
				b.StopTimer()
				for range 256 {
					ct, err := bob.Protect(msg, nil)
					if err != nil {
						b.Fatal(err)
					}
					batch = append(batch, ct)
				}
				b.StartTimer()
			}
			ct := batch[0]
			batch = batch[1:]
			r, err := alice.Process(ct)
			if err != nil || len(r.ApplicationData) != len(msg) {
				b.Fatalf("Process = %v", err)
			}
		}
	})
}

// BenchmarkGroupCommit1000 measures committing in a group of 1,000
// members and processing the commit as another member; it reports
// commit-ns/op and process-ns/op. "add" commits an Add of a new member
// (the group grows by one per iteration) without an UpdatePath; "path"
// commits an UpdatePath alone and "add+path" both. The tree is that of a
// freshly created group, mostly blank, so an UpdatePath is encrypted to
// almost every member (the worst case).
func BenchmarkGroupCommit1000(b *testing.B) {
	for _, kind := range []string{"add", "path", "add+path"} {
		b.Run(kind, func(b *testing.B) {
			alice, bob := benchPair(b, 1000)
			var commitTime, processTime time.Duration
			i := 0
			for b.Loop() {
				b.StopTimer()
				opts := CommitOptions{ForcePath: kind != "add"}
				if kind != "path" {
					kp, _ := benchKeyPackage(b, fmt.Sprintf("joiner %d", i))
					opts.Add = []*KeyPackage{kp}
				}
				i++
				b.StartTimer()
				start := time.Now()
				out, err := alice.Commit(opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := alice.MergePendingCommit(); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				if _, err := bob.Process(out.Commit); err != nil {
					b.Fatal(err)
				}
				commitTime += mid.Sub(start)
				processTime += time.Since(mid)
			}
			b.ReportMetric(float64(commitTime.Nanoseconds())/float64(i), "commit-ns/op")
			b.ReportMetric(float64(processTime.Nanoseconds())/float64(i), "process-ns/op")
		})
	}
}
