package destination

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/openai"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/destination/rejected"
	"github.com/openai-ads-conversions/destination-openai-ads-conversions/protocol"
)

// Words shared by check and write, so that a user reads the same advice in both.
const (
	adviceConversionsKey = "Use a Conversions API key: in OpenAI Ads Manager open Conversions → Manage conversion keys and generate one. " +
		"An Advertiser API key (from Settings) can manage the account but cannot send events."
	advicePixel = "Copy the Pixel ID from OpenAI Ads Manager → Conversions; it must belong to the same ad account as the key."
)

// checkAttempts bounds the short retry of each call check makes.
const checkAttempts = 3

// maxListedProbes bounds how many listed pixels check probes when none is configured.
const maxListedProbes = 3

// verdict is the outcome of a check, before it is written.
//
// Note: a failed verdict carries the three fields of the write pipeline's failure (kind,
// message, internal), so verdict could become {*failure (nil on success), success message,
// warnings}; that waits until the pipeline's renovation has settled failure.
type verdict struct {
	failure  protocol.FailureType // "" when the check succeeded
	message  string
	internal string
	warnings []string
}

// checker runs the probes of `check` against the two OpenAI hosts.
type checker struct {
	cfg    *Config
	client *openai.Client
	now    func() time.Time
}

// run probes the OpenAI hosts, then the rejected-records bucket when one is configured.
func (c *checker) run(ctx context.Context) verdict {
	v := c.probeAPI(ctx)
	if v.failure != "" || !c.cfg.ObjectStorage.Enabled() {
		return v
	}
	return c.probeStore(ctx, v)
}

// probeStore writes and deletes a test object in the bucket of rejected records.
func (c *checker) probeStore(ctx context.Context, v verdict) verdict {
	err := rejected.Check(ctx, c.cfg.ObjectStorage, rejected.Options{Now: c.now, Attempts: checkAttempts, MaxBackoff: 2 * time.Second, RequestTimeout: 20 * time.Second})
	var storeErr *rejected.StoreError
	switch {
	case err == nil:
		v.message += fmt.Sprintf(" Rejected records go to %s, which accepted a test object.", c.cfg.ObjectStorage.Where())
		return v
	case ctx.Err() != nil:
		return verdict{failure: protocol.ConfigError, message: "The check was interrupted before it finished. Run it again.", internal: err.Error()}
	case errors.As(err, &storeErr):
		return verdict{failure: protocol.ConfigError, message: sentence(storeErr.Error()), internal: err.Error()}
	default:
		return verdict{failure: protocol.ConfigError, message: sentence("cannot use the bucket of rejected records: " + err.Error()), internal: err.Error()}
	}
}

// probeAPI probes the ad-account endpoint, then each known pixel with a validate-only event.
func (c *checker) probeAPI(ctx context.Context) verdict {
	timeout := min(c.cfg.RequestTimeout(), 20*time.Second)
	account, accountErr := openai.RetryShort(ctx, checkAttempts, timeout, c.client.AdAccount)
	if v, down := c.unavailable(ctx, accountErr); down && (len(c.cfg.Pixels()) == 0 || v.failure == protocol.SystemError) {
		return v // with pixels configured, the events host may still be fine: probe it
	}
	pixels, pixelWarnings := c.pixelsToProbe(ctx, timeout, accountErr == nil)
	results := make([]error, len(pixels))
	for i, p := range pixels {
		_, results[i] = openai.RetryShort(ctx, checkAttempts, timeout, func(ctx context.Context) (openai.EventsResult, error) {
			return c.client.PostEvents(ctx, p, probeBody(c.now()))
		})
		if v, done := c.unavailable(ctx, results[i]); done {
			return v
		}
	}
	v := judge(account, accountErr, pixels, results)
	v.warnings = append(pixelWarnings, v.warnings...)
	return v
}

// pixelsToProbe returns the configured pixels or, when there are none and the key may list
// them, the first few of the account's.
func (c *checker) pixelsToProbe(ctx context.Context, timeout time.Duration, accountOK bool) ([]string, []string) {
	if pixels := c.cfg.Pixels(); len(pixels) > 0 || !accountOK {
		return pixels, nil
	}
	listed, err := openai.RetryShort(ctx, checkAttempts, timeout, c.client.Pixels)
	if err != nil || len(listed) == 0 {
		return nil, []string{"No pixel is configured and none could be listed, so sending was not tested. " +
			"Set a Default Pixel ID, or choose a pixel per stream in the connection."}
	}
	var ids []string
	for _, p := range listed[:min(len(listed), maxListedProbes)] {
		ids = append(ids, p.PixelID)
	}
	return ids, nil
}

// unavailable turns an answer that is about the API rather than the key or a pixel (the API
// down, rate limited, unreachable, or not the OpenAI API at all) into a final verdict. These
// are expected failures of check: config_error and FAILED, in words a user can act on. Only
// an error that is none of these is our bug.
func (c *checker) unavailable(ctx context.Context, err error) (verdict, bool) {
	var apiErr *openai.APIError
	var netErr *openai.NetworkError
	var shape *openai.UnexpectedBodyError
	fail := func(msg string) (verdict, bool) {
		return verdict{failure: protocol.ConfigError, message: msg, internal: err.Error()}, true
	}
	switch {
	case err == nil:
		return verdict{}, false
	case ctx.Err() != nil:
		return fail("The check was interrupted before it finished. Run it again.")
	case errors.As(err, &apiErr) && apiErr.Class() == openai.ClassRateLimited:
		return fail("OpenAI is rate limiting this key right now (HTTP 429). Try the check again in a minute.")
	case errors.As(err, &apiErr) && apiErr.Retryable():
		return fail(fmt.Sprintf("OpenAI answered with a server error (HTTP %d) %d times in a row. This is on OpenAI's side: try again later.", apiErr.Status, checkAttempts))
	case errors.As(err, &netErr) && openai.Unreachable(err):
		return fail(fmt.Sprintf("Could not reach the OpenAI API (%v). Check the base URLs and the network (a proxy or a TLS-inspecting firewall).", netErr.Err))
	case errors.As(err, &netErr):
		return fail(fmt.Sprintf("Could not reach the OpenAI API after %d attempts (%v). Check the network and the base URLs.", checkAttempts, netErr.Err))
	case errors.As(err, &shape):
		return fail(fmt.Sprintf("%s did not answer like the OpenAI API (HTTP %d with a body that is not its JSON). Check the base URLs: leave them empty to use OpenAI's.", shape.Endpoint, shape.Status))
	case errors.As(err, &apiErr):
		return verdict{}, false // a definite answer about the key or a pixel: judge it
	default:
		return verdict{failure: protocol.SystemError, message: "The connection check failed unexpectedly.", internal: err.Error()}, true
	}
}

// judge reads the definite answers of the ad-account endpoint and the pixel probes.
func judge(account openai.AdAccount, accountErr error, pixels []string, results []error) verdict {
	var accepted, problems []string
	var keyRefused, wrongKind, bug error
	for i, err := range results {
		var apiErr *openai.APIError
		switch {
		case err == nil:
			accepted = append(accepted, pixels[i])
		case !errors.As(err, &apiErr):
			bug = err
		case apiErr.Class() == openai.ClassUnknownPixel:
			problems = append(problems, fmt.Sprintf("OpenAI does not know Pixel ID %q (HTTP %d: %s). %s", pixels[i], apiErr.Status, apiErr.Message, advicePixel))
		case apiErr.Class() == openai.ClassMissingScopes || (apiErr.Class() == openai.ClassKeyRefused && accountErr == nil):
			wrongKind = err // a key the Ads API accepts but the events endpoint refuses is of the other kind
		case apiErr.Class() == openai.ClassKeyRefused:
			keyRefused = err
		default:
			bug = err
		}
	}
	switch {
	case wrongKind != nil:
		return verdict{failure: protocol.ConfigError, message: wrongKindMessage(wrongKind), internal: wrongKind.Error()}
	case keyRefused != nil:
		return verdict{failure: protocol.ConfigError, message: "OpenAI refused this API key (invalid or revoked). " + adviceConversionsKey, internal: keyRefused.Error()}
	case len(problems) > 0:
		return verdict{failure: protocol.ConfigError, message: strings.Join(problems, " ")}
	case bug != nil:
		return verdict{failure: protocol.SystemError, message: "The connection check got an answer it did not expect.", internal: bug.Error()}
	}
	return judgeAccount(account, accountErr, accepted)
}

// wrongKindMessage words a key that can read the account but not send events.
func wrongKindMessage(err error) string {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) && apiErr.Class() == openai.ClassMissingScopes {
		return "This API key cannot send conversion events: OpenAI says it lacks the scope ads.third_party_events.write, so it is most likely an Advertiser API key. " + adviceConversionsKey
	}
	status := 0
	if apiErr != nil {
		status = apiErr.Status
	}
	return fmt.Sprintf("The Ads API accepts this API key but the events endpoint refuses it (HTTP %d), so it is most likely an Advertiser API key. %s", status, adviceConversionsKey)
}

// judgeAccount gives the verdict once every pixel probe has passed.
func judgeAccount(account openai.AdAccount, accountErr error, accepted []string) verdict {
	var apiErr *openai.APIError
	switch {
	case accountErr == nil && len(accepted) == 0:
		return verdict{message: fmt.Sprintf("Connected to ad account %s. No pixel was tested: choose one per stream or set a Default Pixel ID.", describeAccount(account))}
	case accountErr == nil:
		return verdict{message: fmt.Sprintf("Connected to ad account %s. Pixels that accepted a validate-only test event: %s.", describeAccount(account), strings.Join(accepted, ", "))}
	case errors.As(accountErr, &apiErr) && keyProblem(apiErr) && len(accepted) > 0:
		return verdict{
			message:  fmt.Sprintf("The key is a Conversions API key: pixels %s accepted a validate-only test event.", strings.Join(accepted, ", ")),
			warnings: []string{fmt.Sprintf("The Ads API refused this key (HTTP %d), as it does for Conversions-only keys, so the ad account could not be named. Sending events works.", apiErr.Status)},
		}
	case len(accepted) > 0:
		return verdict{
			message:  fmt.Sprintf("Pixels %s accepted a validate-only test event, so sending events works.", strings.Join(accepted, ", ")),
			warnings: []string{fmt.Sprintf("The ad account could not be read (%v), so it could not be named. Sending events works.", accountErr)},
		}
	case errors.As(accountErr, &apiErr) && keyProblem(apiErr):
		return verdict{failure: protocol.ConfigError, message: noPixelMessage(apiErr.Status), internal: accountErr.Error()}
	default:
		return verdict{failure: protocol.SystemError, message: "The ad-account endpoint gave an answer the connector did not expect.", internal: accountErr.Error()}
	}
}

// keyProblem tells whether an answer refuses the key: refused, or of the wrong kind.
func keyProblem(e *openai.APIError) bool {
	c := e.Class()
	return c == openai.ClassKeyRefused || c == openai.ClassMissingScopes
}

// noPixelMessage words a key the Ads API refuses when no pixel is known to test it with: most
// likely a Conversions API key, which only a pixel can test. The advice comes first and the
// server's text stays in the internal message.
func noPixelMessage(status int) string {
	return fmt.Sprintf("Set a Default Pixel ID: a Conversions API key can only be tested by sending a validate-only event to a pixel. "+
		"(The Ads API refused the key with HTTP %d, as it does for Conversions API keys; "+
		"an Advertiser API key cannot send events.)", status)
}

func describeAccount(a openai.AdAccount) string {
	if a.Name == "" {
		return a.ID
	}
	return fmt.Sprintf("%q (%s)", a.Name, a.ID)
}

// probeBody is one synthetic validate-only event with a fresh id, so that probes never touch
// the deduplication of real events.
func probeBody(now time.Time) []byte {
	return fmt.Appendf(nil, `{"validate_only":true,"integration_source":"`+IntegrationSource+`","events":[{"id":"connection-check-%d-%08x","type":"lead_created","timestamp_ms":%d,"action_source":"other","data":{"type":"customer_action"}}]}`,
		now.UnixMilli(), rand.Uint32(), now.UnixMilli())
}
