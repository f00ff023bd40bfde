package planner

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jml-dev/jml/domain"
)

// CSVHeader is the plan CSV's header: one line per action, and one per row
// that does nothing (no action) or is quarantined (error).
var CSVHeader = []string{"ref", "employee_id", "classification", "reason", "directory", "action", "target", "due_at", "error", "warnings"}

// lines flattens the plan into the CSV's and the table's lines.
func (p Plan) lines() [][]string {
	var out [][]string
	for _, r := range p.Rows {
		base := []string{r.Ref, r.EmployeeID, string(r.Classification), r.Reason}
		tail := []string{r.Error, strings.Join(r.Warnings, "; ")}
		if len(r.Actions) == 0 {
			out = append(out, append(append(base, "", "", "", ""), tail...))
			continue
		}
		for _, a := range r.Actions {
			due := ""
			if !a.DueAt.IsZero() {
				due = a.DueAt.UTC().Format(time.RFC3339)
			}
			out = append(out, append(append(base, a.Directory, a.Kind, a.Target, due), tail...))
		}
	}
	return out
}

// WriteCSV writes the plan as CSV.
func (p Plan) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	if err := cw.WriteAll(p.lines()); err != nil {
		return err
	}
	return cw.Error()
}

// WriteJSON writes the plan as indented JSON.
func (p Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// WriteTable writes the plan for a person: one line per action, then the
// totals.
func (p Plan) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tEMPLOYEE\tCLASSIFICATION\tDIRECTORY\tACTION\tTARGET\tDUE")
	for _, l := range p.lines() {
		class, action := l[2], l[5]
		if l[8] != "" {
			class, action = "quarantined", l[8]
		} else if action == "" {
			action = "nothing to do (" + l[3] + ")"
		}
		due := l[7]
		if due == "" && l[5] != "" {
			due = "now"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l[0], l[1], class, l[4], action, l[6], due)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	c := p.Counts
	fmt.Fprintf(w, "plan: %d rows: %d would be delivered, %d quarantined, %d unchanged;", c.Rows, c.Delivered, c.Quarantined, c.Unchanged)
	for _, k := range []string{"join", "move", "leave", "rehire", "termination-cancelled", "no-op"} {
		if n := p.Classes[classOf(k)]; n > 0 {
			fmt.Fprintf(w, " %s %d", k, n)
		}
	}
	fmt.Fprintln(w)
	for _, n := range p.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func classOf(s string) domain.Classification { return domain.Classification(s) }

// Plans are the plans of several exports, written as one JSON array or one
// CSV (the file column added first).
type Plans []Plan

// WriteJSON writes the plans as one JSON array.
func (ps Plans) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ps)
}

// WriteCSV writes every plan's lines under one header, with the file.
func (ps Plans) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"file"}, CSVHeader...)); err != nil {
		return err
	}
	for _, p := range ps {
		for _, l := range p.lines() {
			if err := cw.Write(append([]string{p.File}, l...)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
