package domain

import (
	"strings"
	"testing"
)

func TestLoginPart(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Jane", "jane"},
		{"  DOE ", "doe"},
		{"José María", "jose-maria"},
		{"Zoë", "zoe"},
		{"François", "francois"},
		{"Müller-Lüdenscheidt", "mueller-luedenscheidt"},
		{"ÖZTÜRK", "oeztuerk"},
		{"Straße", "strasse"},
		{"O'Brien", "obrien"},
		{"D’Angelo", "dangelo"},
		{"Łukasz", "lukasz"},
		{"Søren", "soren"},
		{"Ångström", "angstroem"},
		{"Nguyễn", "nguyen"},
		{"Дмитрий", "dmitrij"},
		{"Щукина", "shchukina"},
		{"Σωκράτης", "sokratis"},
		{"Anne - Marie", "anne-marie"},
		{"Jean--Luc", "jean-luc"},
		{"李", ""},
		{"'-'", ""},
		{"Ren\u00e9e", "renee"},
		{"Rene\u0301e", "renee"}, // decomposed input
	} {
		if got := LoginPart(tc.in); got != tc.want {
			t.Errorf("LoginPart(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLoginTemplateAddress(t *testing.T) {
	for _, tc := range []struct {
		tmpl, given, family, want, err string
	}{
		{"", "Jane", "Doe", "jane.doe@demo.jml.test", ""},
		{"{given}.{family}@{domain}", "José", "Núñez-O'Neil", "jose.nunez-oneil@demo.jml.test", ""},
		{"{given_initial}{family}@{domain}", "Ada", "Lovelace", "alovelace@demo.jml.test", ""},
		{"{family}@corp.example", "Ada", "Lovelace", "lovelace@corp.example", ""},
		{"", "李", "Wei", "", "field given_name: has no letter"},
		{"", "Wei", "李", "", "field family_name: has no letter"},
		{"{given}.{family}", "Jane", "Doe", "", "exactly one '@'"},
		{"{nickname}@{domain}", "Jane", "Doe", "", "must use {given}"},
		{"{given}.{nick}{family}@{domain}", "Jane", "Doe", "", "knows only"},
	} {
		got, err := LoginTemplate{Template: tc.tmpl, Domain: "Demo.JML.test"}.Address(tc.given, tc.family)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q %q %q: error %v, want %q", tc.tmpl, tc.given, tc.family, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q %q %q = %q, %v; want %q", tc.tmpl, tc.given, tc.family, got, err, tc.want)
		}
	}
	if _, err := (LoginTemplate{}).Address("Jane", "Doe"); err == nil || !strings.Contains(err.Error(), "no domain") {
		t.Errorf("no domain: %v", err)
	}
}

func TestCandidateAndLock(t *testing.T) {
	if got := Candidate("jane.doe@x.test", 1); got != "jane.doe@x.test" {
		t.Error(got)
	}
	if got := Candidate("jane.doe@x.test", 2); got != "jane.doe2@x.test" {
		t.Error(got)
	}
	a, b := LoginLockID("Jane.Doe@X.test"), LoginLockID("jane.doe@x.test")
	if a != b || !strings.HasPrefix(a, "login/") || strings.Contains(a, "jane") {
		t.Errorf("lock ids %q %q", a, b)
	}
	if LoginLockID("jane.doe2@x.test") == a {
		t.Error("distinct addresses share a lock")
	}
}
