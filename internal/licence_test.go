package internal_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The licences Switchboard may ship: permissive ones only.
var permissive = []struct {
	name string
	text *regexp.Regexp // what the licence file says
}{
	{"Apache-2.0", regexp.MustCompile(`(?s)Apache License.*Version 2\.0`)},
	{"MIT", regexp.MustCompile(`Permission is hereby granted, free of charge`)},
	{"BSD", regexp.MustCompile(`Redistribution and use in source and binary forms`)},
	{"ISC", regexp.MustCompile(`Permission to use, copy, modify, and(/or)? distribute this software`)},
}

// copyleft are licences that must not be shipped, even beside a
// permissive one the file also names.
var copyleft = regexp.MustCompile(`GNU (AFFERO |LESSER )?GENERAL PUBLIC LICENSE|Mozilla Public License|Eclipse Public License`)

// TestShippedLicences checks the licence of every Go module compiled into
// the binary and the browser's WebAssembly, and of every npm package the
// web app bundles: each must be MIT, BSD, ISC or Apache-2.0.
func TestShippedLicences(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every shipped module's licence")
	}
	checked := 0
	for _, target := range []struct {
		env []string
		pkg string
	}{{nil, "../cmd/switchboard"}, {[]string{"GOOS=js", "GOARCH=wasm"}, "../cmd/switchboard-wasm"}} {
		cmd := exec.Command("go", "list", "-deps", "-f", `{{with .Module}}{{if not .Main}}{{.Path}}@{{.Version}} {{.Dir}}{{end}}{{end}}`, target.pkg)
		cmd.Env = append(os.Environ(), target.env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", target.pkg, err)
		}
		seen := map[string]bool{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			mod, dir, ok := strings.Cut(sc.Text(), " ")
			if !ok || seen[mod] {
				continue
			}
			seen[mod] = true
			checkLicence(t, mod, dir)
			checked++
		}
	}
	// The web app bundles its dependencies (not its devDependencies) and
	// theirs.
	nm := filepath.Join("..", "web", "node_modules")
	if _, err := os.Stat(nm); err != nil {
		t.Fatalf("web/node_modules is missing (%v); run npm ci in web first", err)
	}
	var root struct{ Dependencies map[string]string }
	readJSON(t, filepath.Join("..", "web", "package.json"), &root)
	queue := []string{}
	for name := range root.Dependencies {
		queue = append(queue, name)
	}
	done := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if done[name] {
			continue
		}
		done[name] = true
		var pkg struct {
			License      any
			Dependencies map[string]string
		}
		readJSON(t, filepath.Join(nm, name, "package.json"), &pkg)
		lic, _ := pkg.License.(string)
		switch strings.Trim(lic, "()") {
		case "MIT", "ISC", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "0BSD":
		default:
			t.Errorf("npm package %s is licensed %v: only MIT, BSD, ISC or Apache-2.0 may be shipped", name, pkg.License)
		}
		checked++
		for dep := range pkg.Dependencies {
			queue = append(queue, dep)
		}
	}
	t.Logf("%d shipped modules and packages, all permissively licensed", checked)
}

func checkLicence(t *testing.T, mod, dir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "LICEN[CS]E*"))
	more, _ := filepath.Glob(filepath.Join(dir, "COPYING*"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Errorf("%s has no licence file in %s", mod, dir)
		return
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if copyleft.Match(b) {
			t.Errorf("%s: %s is a copyleft licence; it must not be shipped", mod, filepath.Base(f))
			return
		}
		for _, p := range permissive {
			if p.text.Match(b) {
				return
			}
		}
	}
	t.Errorf("%s: no MIT, BSD, ISC or Apache-2.0 licence found in %v", mod, files)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
