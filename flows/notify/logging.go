package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/seuil-idp/seuil/idp/mask"
)

// LogSMS wraps next so that every send is logged ("sms sent" or "sms
// failed") with the masked recipient and the duration, never the body.
func LogSMS(next SMSSender, log *slog.Logger) SMSSender {
	return loggedSMS{next, log}
}

// LogMail wraps next as LogSMS does, logging "mail sent" or "mail failed"
// with the masked recipient and the subject, never the body.
func LogMail(next Mailer, log *slog.Logger) Mailer {
	return loggedMail{next, log}
}

type loggedSMS struct {
	next SMSSender
	log  *slog.Logger
}

func (l loggedSMS) SendSMS(ctx context.Context, m SMS) error {
	start := time.Now()
	err := l.next.SendSMS(ctx, m)
	logSend(ctx, l.log, "sms", err, start, slog.String("to", mask.Phone(m.To)))
	return err
}

type loggedMail struct {
	next Mailer
	log  *slog.Logger
}

func (l loggedMail) SendMail(ctx context.Context, m Mail) error {
	start := time.Now()
	err := l.next.SendMail(ctx, m)
	logSend(ctx, l.log, "mail", err, start,
		slog.String("to", mask.Email(m.To)), slog.String("subject", m.Subject))
	return err
}

func logSend(ctx context.Context, log *slog.Logger, channel string, err error, start time.Time, attrs ...slog.Attr) {
	attrs = append(attrs, slog.Duration("duration", time.Since(start)))
	if err != nil {
		// Senders' errors never quote bodies (see HTTPSMS.SendSMS).
		attrs = append(attrs, slog.String("error", err.Error()))
		log.LogAttrs(ctx, slog.LevelError, channel+" failed", attrs...)
		return
	}
	log.LogAttrs(ctx, slog.LevelInfo, channel+" sent", attrs...)
}
