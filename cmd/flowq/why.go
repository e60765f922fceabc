package main

import "github.com/flowq/flowq/engine/shell"

// whyShellCommand is the shell's .why.
func whyShellCommand(f *factory) shell.Command {
	return shell.Command{Name: ".why", Usage: "SRC DST[:PORT]", Help: "explain why a connection fails (see flowq why --help)"}
}
