package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/gregorkafka/gregor/internal/tinybroker"
)

// runBroker is the tiny broker (examples/tinybroker) under the gregor
// command: the same flags, the same code, until ctx ends (Ctrl-C).
func runBroker(ctx context.Context, e env, args []string) int {
	if err := tinybroker.Run(ctx, "gregor broker", args, e.stdout, e.stderr); err != nil {
		fmt.Fprintln(e.stderr, "gregor broker:", err)
		if errors.Is(err, tinybroker.ErrUsage) {
			return exitUsage
		}
		return exitError
	}
	return exitOK
}
