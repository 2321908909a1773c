package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-nhs/switchboard/internal/identity"
	"github.com/switchboard-nhs/switchboard/internal/incident"
	"github.com/switchboard-nhs/switchboard/internal/messaging"
	"github.com/switchboard-nhs/switchboard/internal/nats"
	"github.com/switchboard-nhs/switchboard/internal/records"
	"github.com/switchboard-nhs/switchboard/internal/webpush"
)

// messagingFlags configure the MLS delivery service.
type messagingFlags struct {
	sendRate         float64
	sendBurst        int
	pushSubject      string
	pushHTTPLoopback bool
}

func addMessagingFlags(fs *flag.FlagSet, f *messagingFlags) {
	fs.Float64Var(&f.sendRate, "send-rate", messaging.DefaultLimits.SendRate, "messages per second one device may send (0: unlimited)")
	fs.IntVar(&f.sendBurst, "send-burst", messaging.DefaultLimits.SendBurst, "messages one device may send at once")
	fs.StringVar(&f.pushSubject, "push-subject", "", "VAPID contact for push services, a mailto: or https: URL (default: the public URL)")
	fs.BoolVar(&f.pushHTTPLoopback, "push-http-loopback", false, "accept http://127.0.0.1 push endpoints (for tests only)")
}

// natsURLHelp describes --nats-url.
const natsURLHelp = "NATS URL (nats://host:4222, several comma-separated): deliver messages live across the nodes sharing --database-url"

// openBus returns the bus that links this node to the others: NATS when
// natsURL is set, else the in-process bus of a single node.
func openBus(natsURL, node string, log *slog.Logger) (messaging.Bus, func(), error) {
	if natsURL == "" {
		return messaging.NewLocalBus(), func() {}, nil
	}
	b, err := nats.Dial(natsURL, "switchboard "+node, log)
	if err != nil {
		return nil, nil, err
	}
	log.Info("nats: connected; messages are delivered live across nodes")
	return b, func() {
		if err := b.Close(); err != nil {
			log.Warn("nats: close", "err", err)
		}
	}, nil
}

// services are the capabilities built on the delivery service.
type services struct {
	msg *messaging.Service
	inc *incident.Service
	rec *records.Service
}

// startMessaging starts the delivery service on st, with duty roles,
// incidents and records rules on it; with sweep (servers, not console
// commands) it also sweeps the rota, urgent messages and deletions. wait
// blocks until the workers have stopped after ctx ends.
func startMessaging(ctx context.Context, st store, ids *identity.Service, bus messaging.Bus, log *slog.Logger,
	now func() time.Time, f messagingFlags, publicURL string, sweep bool) (sv services, wait func(), err error) {
	keys, err := st.ServiceKeys(ctx, messaging.NewServiceKeys)
	if err != nil {
		return services{}, nil, fmt.Errorf("messaging keys: %w", err)
	}
	subject := f.pushSubject
	if subject == "" {
		subject = publicURL
	}
	limits := messaging.DefaultLimits
	limits.SendRate, limits.SendBurst = f.sendRate, f.sendBurst
	pusher := webpush.New(keys.VAPIDPublic, keys.VAPIDPrivate, subject, f.pushHTTPLoopback)
	hub := messaging.NewHub(limits.SocketQueue, nil)
	svc, err := messaging.New(ctx, st, st, bus, hub, pusher, log, now, limits)
	if err != nil {
		return services{}, nil, err
	}
	ids.OnDeviceRevoked = svc.DeviceRevoked
	sv = services{msg: svc, inc: incident.New(st, st, svc, log, now), rec: records.New(st, st, svc, log, now)}
	done := make(chan struct{}, 3)
	run := func(f func(context.Context)) {
		go func() {
			defer func() { done <- struct{}{} }()
			f(ctx)
		}()
	}
	run(func(ctx context.Context) { svc.Run(ctx) })
	if sweep {
		run(sv.inc.Run)
		run(sv.rec.Run)
	}
	return sv, func() {
		<-done
		if sweep {
			<-done
			<-done
		}
	}, nil
}
