// Berth's containerd: containerd and its runc shim (containerd-shim-runc-v2) in one program,
// chosen by the name it was started as. The two share most of their code, so one program makes
// the VM's root ~3 MB smaller than two. The build places this file in containerd's own tree
// (cmd/containerd-and-shim/main.go) and compiles it there; each name in the VM is a copy of the
// same file (the root stores it once), so that the shim, which starts its long-running copy
// through os.Executable, finds itself under its own name. Upstream's two main packages, merged:
// cmd/containerd/main.go and cmd/containerd-shim-runc-v2/main.go.
package main

import (
	"context"
	"crypto"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/containerd/containerd/cmd/containerd/builtins"
	"github.com/containerd/containerd/cmd/containerd/command"
	"github.com/containerd/containerd/pkg/hasher"
	"github.com/containerd/containerd/pkg/seed" //nolint:staticcheck // still used by dependencies
	"github.com/containerd/containerd/runtime/v2/runc/manager"
	_ "github.com/containerd/containerd/runtime/v2/runc/pause"
	_ "github.com/containerd/containerd/runtime/v2/runc/task/plugin"
	"github.com/containerd/containerd/runtime/v2/shim"
)

// ShimName is the name containerd runs the runc v2 shim by (io.containerd.runc.v2).
const ShimName = "containerd-shim-runc-v2"

func init() {
	seed.WithTimeAndRand() //nolint:staticcheck
	crypto.RegisterHash(crypto.SHA256, hasher.NewSHA256)
}

func main() {
	if filepath.Base(os.Args[0]) == ShimName {
		// The shim starts only its own plugins (patches/containerd-shim-own-plugins.patch).
		shim.RunManager(context.Background(), manager.NewShimManager("io.containerd.runc.v2"))
		return
	}
	app := command.App()
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintf(os.Stderr, "containerd: %s\n", err)
		os.Exit(1)
	}
}
