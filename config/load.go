package config

import (
	"bytes"
	"encoding"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	File string
	Line int
	Path string // dotted key path, e.g. catalog.rules[2].groups.entra
	Msg  string
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Path == "" {
		return fmt.Sprintf("%s: %s", loc, p.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", loc, p.Path, p.Msg)
}

// Error is every problem found, reported at once.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("invalid configuration (%d problems):\n  %s", len(e.Problems), strings.Join(lines, "\n  "))
}

// Need says what a command uses, so that it checks only that: a dry-run
// import needs no credential, and a command that only starts workflows
// needs Temporal and the codec, not the directories' credentials.
type Need uint8

// NeedNothing checks the file and no credential (import, elevate, report).
const NeedNothing Need = 0

const (
	// NeedDirectories: every enabled directory, SCIM app and Slack has its
	// credential (jml worker, jml dev).
	NeedDirectories Need = 1 << iota
	// NeedIntake: every route jml serve mounts has its secret, and the codec
	// endpoint its bearer token when payload keys are set.
	NeedIntake
)

// Load reads, validates and completes the configuration at path, with
// secrets from the process environment, for a worker.
func Load(path string) (*Config, error) { return LoadFor(path, os.Getenv, NeedDirectories) }

// LoadWithEnv is Load with an explicit environment.
func LoadWithEnv(path string, getenv func(string) string) (*Config, error) {
	return LoadFor(path, getenv, NeedDirectories)
}

// LoadFor is Load for a command that needs only what need names.
func LoadFor(path string, getenv func(string) string, need Need) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Problems: []Problem{{File: path, Msg: "cannot read configuration: " + underlying(err).Error()}}}
	}
	return ParseFor(path, b, getenv, need)
}

// Parse validates the YAML document data (named file in messages) for a worker.
func Parse(file string, data []byte, getenv func(string) string) (*Config, error) {
	return ParseFor(file, data, getenv, NeedDirectories)
}

// ParseFor is Parse for a command that needs only what need names.
func ParseFor(file string, data []byte, getenv func(string) string, need Need) (*Config, error) {
	v := &validator{file: file}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		v.add(0, "", "not valid YAML: "+err.Error())
		return nil, v.err()
	}
	if len(root.Content) == 0 {
		v.add(0, "", "the file is empty")
		return nil, v.err()
	}
	v.walk(root.Content[0], reflect.TypeOf(Config{}), "")
	if len(v.problems) > 0 {
		return nil, v.err()
	}
	cfg := &Config{}
	if err := root.Content[0].Decode(cfg); err != nil {
		v.add(0, "", err.Error())
		return nil, v.err()
	}
	cfg.Source = file
	cfg.applyEnv(getenv)
	cfg.applyClusterEnv(getenv)
	cfg.applyTrack(v.written)
	cfg.applyDefaults()
	if !v.written("codec.required") {
		cfg.Codec.Required = codecKeysSet(getenv)
	}
	v.semantics(cfg)
	v.checkCluster(cfg)
	secrets, errs := LoadSecrets(cfg, getenv)
	for _, e := range errs {
		v.add(0, "environment", e.Error())
	}
	cfg.Secrets = secrets
	if need&NeedDirectories != 0 {
		v.requireSecrets(cfg)
	}
	if need&NeedIntake != 0 {
		v.requireIntakeSecrets(cfg, codecKeysSet(getenv))
	}
	if len(v.problems) > 0 {
		return nil, v.err()
	}
	return cfg, nil
}

// isCountryCode: two upper-case letters, as Graph's usageLocation takes.
func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

type validator struct {
	file     string
	problems []Problem
	lines    map[string]int // key path → line, for semantic errors
}

func (v *validator) add(line int, path, msg string) {
	if line == 0 && v.lines != nil {
		line = v.lines[path]
	}
	v.problems = append(v.problems, Problem{File: v.file, Line: line, Path: path, Msg: msg})
}

// written reports whether the file sets the key at path.
func (v *validator) written(path string) bool {
	_, ok := v.lines[path]
	return ok
}

// codecKeysSet reports whether this process has payload keys; the names
// are workers/codec's EnvKeys and EnvKeysFile (config imports no worker code).
func codecKeysSet(getenv func(string) string) bool {
	return getenv("JML_CODEC_KEYS") != "" || getenv("JML_CODEC_KEYS_FILE") != ""
}

func (v *validator) err() error {
	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Line < v.problems[j].Line })
	return &Error{Problems: v.problems}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

// walk checks node against type t: unknown keys, secrets in the file,
// wrong shapes and unparsable scalars, each with its key path.
func (v *validator) walk(n *yaml.Node, t reflect.Type, path string) {
	if v.lines == nil {
		v.lines = map[string]int{}
	}
	v.lines[path] = n.Line
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		if n.Kind != yaml.ScalarNode {
			v.add(n.Line, path, "expected a single value")
			return
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			v.add(n.Line, path, err.Error())
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			v.add(n.Line, path, "expected a mapping of keys")
			return
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				if looksSecret(k.Value) {
					v.add(k.Line, p, "secrets are not read from the file; set them in the environment (see config/example.yaml)")
					continue
				}
				v.add(k.Line, p, "unknown key (expected one of: "+strings.Join(sortedKeys(fields), ", ")+")")
				continue
			}
			v.walk(val, f, p)
		}
	case reflect.Map:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.MappingNode {
			v.add(n.Line, path, "expected a mapping")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v.walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.SequenceNode {
			v.add(n.Line, path, "expected a list")
			return
		}
		for i, c := range n.Content {
			v.walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		if n.Kind != yaml.ScalarNode {
			v.add(n.Line, path, "expected a single "+t.Kind().String()+" value")
			return
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			v.add(n.Line, path, fmt.Sprintf("%q is not a valid %s", n.Value, kindWord(t)))
		}
	}
}

func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64:
		return "whole number"
	}
	return t.Kind().String()
}

// yamlFields maps yaml keys to field types, flattening inline structs.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if opts == "inline" {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// applyEnv lets a deployment override where things are without editing
// the file (containers, docker-compose).
func (c *Config) applyEnv(getenv func(string) string) {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.Temporal.Address, "JML_TEMPORAL_ADDRESS")
	set(&c.Temporal.Namespace, "JML_TEMPORAL_NAMESPACE")
	set(&c.Temporal.TaskQueue, "JML_TEMPORAL_TASK_QUEUE")
	set(&c.Intake.Listen, "JML_INTAKE_LISTEN")
	set(&c.Evidence.Dir, "JML_EVIDENCE_DIR")
	if getenv("JML_TEMPORAL_ALLOW_PLAINTEXT") == "true" {
		c.Temporal.AllowPlaintextRemote = true
	}
}

// applyTrack fills what the track selects and the file leaves out: the
// directories enabled, and the directory of each elevation role.
func (c *Config) applyTrack(written func(path string) bool) {
	d, ok := TrackDefaultsFor(c.Track)
	if !ok {
		return // semantics reports the unknown track
	}
	for name, enabled := range map[string]*bool{Entra: &c.Directories.Entra.Enabled, Okta: &c.Directories.Okta.Enabled, Google: &c.Directories.Google.Enabled} {
		if !written("directories." + name + ".enabled") {
			*enabled = slices.Contains(d.Directories, name)
		}
	}
	for i := range c.Elevation.Roles {
		if c.Elevation.Roles[i].Directory == "" {
			c.Elevation.Roles[i].Directory = d.ElevationDirectory
		}
	}
}

func (c *Config) applyDefaults() {
	t := &c.Temporal
	if t.Address == "" {
		t.Address = "127.0.0.1:7233"
	}
	if t.Namespace == "" {
		t.Namespace = "default"
	}
	if t.TaskQueue == "" {
		t.TaskQueue = "jml"
	}
	if c.Directories.Entra.BaseURL == "" {
		c.Directories.Entra.BaseURL = "https://graph.microsoft.com/v1.0"
	}
	c.Directories.Entra.applySyncDefaults()
	if c.Directories.Google.Customer == "" {
		c.Directories.Google.Customer = "my_customer"
	}
	c.Catalog.appGroups = c.appGroups() // config/apps.go
	for i := range c.SCIMApps {
		if c.SCIMApps[i].DeactivateBy == "" {
			c.SCIMApps[i].DeactivateBy = "patch"
		}
	}
	if c.SLA.Leaver == 0 {
		c.SLA.Leaver = Duration(time.Hour)
	}
	if c.Intake.Listen == "" {
		c.Intake.Listen = "127.0.0.1:8080"
	}
	if c.Intake.MaxBodyBytes == 0 {
		c.Intake.MaxBodyBytes = 1 << 20
	}
	if c.Intake.RatePerMinute == 0 {
		c.Intake.RatePerMinute = 600
	}
	if c.Intake.Concurrency == 0 {
		c.Intake.Concurrency = 32
	}
	if c.Intake.ReadTimeout == 0 {
		c.Intake.ReadTimeout = Duration(10 * time.Second)
	}
	if c.Intake.SignatureSkew == 0 {
		c.Intake.SignatureSkew = Duration(5 * time.Minute)
	}
	if c.Intake.UIOrigin == "" {
		c.Intake.UIOrigin = "http://127.0.0.1:8233"
	}
	e := &c.Elevation
	if e.DefaultDuration == 0 {
		e.DefaultDuration = Duration(time.Hour)
	}
	if e.MaxDuration == 0 {
		e.MaxDuration = Duration(8 * time.Hour)
	}
	if e.ApprovalTimeout == 0 {
		e.ApprovalTimeout = Duration(4 * time.Hour)
	}
	for i := range e.Roles {
		if e.Roles[i].Approver == "" {
			e.Roles[i].Approver = "manager"
		}
		if e.Roles[i].MaxDuration == 0 {
			e.Roles[i].MaxDuration = e.MaxDuration
		}
	}
	if c.Evidence.Dir == "" {
		c.Evidence.Dir = "evidence"
	}
	d := &c.Dev
	if d.StateDir == "" {
		d.StateDir = ".state"
	}
	if d.UIPort == 0 {
		d.UIPort = 8233
	}
	if d.GRPCPort == 0 {
		d.GRPCPort = 7233
	}
	if d.Employees == 0 {
		d.Employees = 500
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "console"
	}
	if c.HR.Source == "" {
		c.HR.Source = "webhook"
	}
	if b := &c.HR.BambooHR; b.BaseURL == "" && b.Subdomain != "" {
		b.BaseURL = "https://" + b.Subdomain + ".bamboohr.com"
	}
}
