package htmlreport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// browser is headless Chromium driven through the DevTools protocol over
// --remote-debugging-pipe (fd 3: commands in, fd 4: replies and events out, each message
// NUL-terminated JSON). No port is opened, so the test needs no network at all.
type browser struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	msgs    chan cdpMsg
	readErr chan error
	nextID  int
	session string
	Events  []cdpMsg // every event seen, in order
	Stderr  *bytes.Buffer
}

type cdpMsg struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// chromiumHelp is the failure text when the browser is missing: the check must not be skipped.
const chromiumHelp = "chromium not found in PATH: the HTML report test needs Debian's chromium package " +
	"(apt-get install -y chromium; CI's .ci/run installs it)"

// startBrowser launches Chromium with the flags that keep it off the network.
func startBrowser(ctx context.Context, t *testing.T) *browser {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal(chromiumHelp)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe",
		"--enable-logging=stderr", "--v=0", "about:blank")
	cmd.ExtraFiles = []*os.File{inR, outW}
	b := &browser{cmd: cmd, in: inW, msgs: make(chan cdpMsg, 256), readErr: make(chan error, 1), Stderr: &bytes.Buffer{}}
	cmd.Stderr = b.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	inR.Close()
	outW.Close()
	go func() {
		r := bufio.NewReader(outR)
		for {
			line, err := r.ReadBytes(0)
			if err != nil {
				b.readErr <- err
				close(b.msgs)
				return
			}
			var m cdpMsg
			if err := json.Unmarshal(line[:len(line)-1], &m); err != nil {
				b.readErr <- fmt.Errorf("bad DevTools message %q: %w", line, err)
				close(b.msgs)
				return
			}
			b.msgs <- m
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return b
}

// next returns the next message, failing on timeout or a closed pipe.
func (b *browser) next(ctx context.Context) (cdpMsg, error) {
	select {
	case m, ok := <-b.msgs:
		if !ok {
			return cdpMsg{}, fmt.Errorf("chromium closed the DevTools pipe: %v; stderr:\n%s", <-b.readErr, tail(b.Stderr.String(), 2000))
		}
		return m, nil
	case <-ctx.Done():
		return cdpMsg{}, fmt.Errorf("waiting for chromium: %w", ctx.Err())
	}
}

// call sends a command (to the page session once attached) and waits for its reply; events
// arriving meanwhile are kept in Events.
func (b *browser) call(ctx context.Context, method string, params any, result any) error {
	b.nextID++
	id := b.nextID
	msg := map[string]any{"id": id, "method": method, "params": params}
	if params == nil {
		msg["params"] = map[string]any{}
	}
	if b.session != "" && !strings.HasPrefix(method, "Target.") && !strings.HasPrefix(method, "Browser.") {
		msg["sessionId"] = b.session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.in.Write(append(data, 0)); err != nil {
		return fmt.Errorf("%s: writing to chromium: %w", method, err)
	}
	for {
		m, err := b.next(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		if m.ID == 0 {
			b.Events = append(b.Events, m)
			continue
		}
		if m.ID != id {
			continue
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("%s: reply %s: %w", method, m.Result, err)
			}
		}
		return nil
	}
}

// waitEvent waits for an event by method name (one already seen counts).
func (b *browser) waitEvent(ctx context.Context, method string, from int) error {
	for i := from; i < len(b.Events); i++ {
		if b.Events[i].Method == method {
			return nil
		}
	}
	for {
		m, err := b.next(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", method, err)
		}
		if m.ID == 0 {
			b.Events = append(b.Events, m)
			if m.Method == method {
				return nil
			}
		}
	}
}

// openPage creates a tab, attaches to it and enables the domains whose events the test checks.
func (b *browser) openPage(ctx context.Context) error {
	var created struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "Target.createTarget", map[string]any{"url": "about:blank"}, &created); err != nil {
		return err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "Target.attachToTarget", map[string]any{"targetId": created.TargetID, "flatten": true}, &attached); err != nil {
		return err
	}
	b.session = attached.SessionID
	for _, d := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		if err := b.call(ctx, d, nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// navigate loads url and waits for its load event.
func (b *browser) navigate(ctx context.Context, url string) error {
	from := len(b.Events)
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.call(ctx, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("navigating to %s: %s", url, nav.ErrorText)
	}
	return b.waitEvent(ctx, "Page.loadEventFired", from)
}

// eval runs a JavaScript expression in the page and decodes its JSON-able value into out.
func (b *browser) eval(ctx context.Context, expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := b.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		return err
	}
	if res.ExceptionDetails != nil {
		return fmt.Errorf("evaluating %q: %s", expr, res.ExceptionDetails.Text)
	}
	return json.Unmarshal(res.Result.Value, out)
}

// screenshot captures the whole page (not just the viewport) as PNG.
func (b *browser) screenshot(ctx context.Context, width int) ([]byte, error) {
	var h float64
	if err := b.eval(ctx, "document.documentElement.scrollHeight", &h); err != nil {
		return nil, err
	}
	var shot struct {
		Data []byte `json:"data"` // base64 in JSON, decoded by encoding/json
	}
	err := b.call(ctx, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": width, "height": h, "scale": 1},
	}, &shot)
	return shot.Data, err
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
