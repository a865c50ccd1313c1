package cli

import "context"

func runProducerPerf(ctx context.Context, e env, args []string) int { return 0 }
func runConsumerPerf(ctx context.Context, e env, args []string) int { return 0 }
