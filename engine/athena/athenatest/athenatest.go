// Package athenatest runs moto_server, the AWS API emulator, for tests of Athena and S3 code:
// on a free loopback port, in a process group of its own, with its seeding endpoints.
package athenatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Server is a running moto_server.
type Server struct {
	URL  string // http://127.0.0.1:PORT, for --endpoint-url
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

// Start runs moto_server (from PATH) and waits until it answers. A missing moto_server is an
// error, never a skip.
func Start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server (the AWS API emulator) is not on PATH: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	for range 300 { // up to a minute on a busy machine
		resp, err := http.Get(s.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("moto_server on port %d did not answer; its output:\n%s", port, s.logs.String())
}

// Stop kills the server's process group (the pyenv shim and the Python process under it).
func (s *Server) Stop() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	_ = s.cmd.Wait()
}

// API posts body to one of moto's own endpoints (/moto-api/...): seeding, state transitions,
// IAM checks on or off.
func (s *Server) API(path, body string) error {
	resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("moto %s: %d %s", path, resp.StatusCode, b)
	}
	return nil
}

// Column is a result column to seed: its name and Athena type (decimal gets precision 10,
// scale 2).
type Column struct{ Name, Type string }

// SeedResult queues one query result in moto; the next query started takes it. Athena's header
// row (the column names) comes first, as Athena sends it for a SELECT; nil values are NULL.
func (s *Server) SeedResult(region string, cols []Column, rows [][]*string) error {
	type datum struct {
		VarCharValue *string `json:",omitempty"`
	}
	type row struct{ Data []datum }
	var info []map[string]any
	header := row{}
	for _, c := range cols {
		ci := map[string]any{"Name": c.Name, "Label": c.Name, "Type": c.Type, "Nullable": "UNKNOWN", "CaseSensitive": true}
		if c.Type == "decimal" {
			ci["Precision"], ci["Scale"] = 10, 2
		}
		info = append(info, ci)
		name := c.Name
		header.Data = append(header.Data, datum{&name})
	}
	all := []row{header}
	for _, r := range rows {
		var x row
		for _, v := range r {
			x.Data = append(x.Data, datum{v})
		}
		all = append(all, x)
	}
	b, err := json.Marshal(map[string]any{"region": region, "results": []any{map[string]any{"rows": all, "column_info": info}}})
	if err != nil {
		return err
	}
	return s.API("/moto-api/static/athena/query-results", string(b))
}
