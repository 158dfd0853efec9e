package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

func listModels(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("models", stderr)
	name := fs.String("platform", "amd64", "platform whose calling convention the models use")
	if _, err := parse(fs, args); err != nil {
		return usageErr(stderr, err)
	}
	p, err := platform.ByName(*name)
	if err != nil {
		return fail(stderr, err)
	}
	conv, err := model.ConvFor(p)
	if err != nil {
		return fail(stderr, err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLEVEL\tDESCRIPTION")
	count := map[model.Level]int{}
	for _, n := range model.Names() {
		m, err := model.Lookup(n, p)
		if err != nil {
			return fail(stderr, err)
		}
		count[m.Level]++
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, m.Level, m.Doc)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\n%d models on %s (%s): %d exact, %d imprecise, %d unsupported\n",
		len(model.Names()), p.Name, conv.Name, count[model.Exact], count[model.Imprecise], count[model.Unsupported])
	return 0
}

func listSyscalls(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("syscalls", stderr)
	name := fs.String("platform", "amd64", "platform whose table to print")
	implemented := fs.Bool("implemented", false, "list only the calls the layer implements (full or partial)")
	if _, err := parse(fs, args); err != nil {
		return usageErr(stderr, err)
	}
	p, err := platform.ByName(*name)
	if err != nil {
		return fail(stderr, err)
	}
	t, err := linux.TableFor(p)
	if err != nil {
		return fail(stderr, err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NO\tNAME\tSUPPORT\tNOTE")
	count := map[linux.Support]int{}
	for _, s := range t.Sorted() {
		count[s.Support]++
		if *implemented && s.Support == linux.Unsupported {
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.No, s.Name, s.Support, s.Note)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\n%d syscalls on %s: %d full, %d partial, %d unsupported (calling one stops the run)\n",
		len(t.Calls), p.Name, count[linux.Full], count[linux.Partial], count[linux.Unsupported])
	return 0
}
