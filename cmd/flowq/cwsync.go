package main

import "github.com/spf13/cobra"

func runCWSync(f *factory, cmd *cobra.Command, group string, sf *syncFlags) error {
	return usageErr("cw:// sources are not available in this build")
}
