package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// cluster is a private PostgreSQL server: a data directory and a socket
// directory under one temporary directory, and the postmaster process,
// which dies with the test binary if that is killed.
type cluster struct {
	dir  string
	url  string
	cmd  *exec.Cmd
	done chan error // the postmaster's exit, from the goroutine waiting on it
	log  string     // the postmaster's log file
}

// startCluster runs initdb and starts postgres from the binaries in bin.
func startCluster(ctx context.Context, bin string) (*cluster, error) {
	dir, err := os.MkdirTemp(baseDir(), "sbpg")
	if err != nil {
		return nil, err
	}
	cred, err := credential(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	err = os.Mkdir(sock, 0o700)
	if err == nil && cred != nil {
		err = os.Chown(sock, int(cred.Uid), int(cred.Gid))
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	c := &cluster{dir: dir, done: make(chan error, 1), log: filepath.Join(dir, "postgres.log"),
		url: "postgres://postgres@/postgres?host=" + sock + "&sslmode=disable"}
	logf, err := os.Create(c.log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	// Durability is traded for speed: the cluster is thrown away.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", sock, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	if err := c.waitReady(ctx, sock); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// waitReady waits until the postmaster accepts connections.
func (c *cluster) waitReady(ctx context.Context, sock string) error {
	for {
		db, err := openURL(c.url)
		if err == nil {
			err = db.PingContext(ctx)
			db.Close()
			if err == nil {
				return nil
			}
		}
		select {
		case werr := <-c.done:
			c.done <- werr
			return fmt.Errorf("postgres exited: %v: %s", werr, c.logText())
		case <-ctx.Done():
			return fmt.Errorf("postgres did not start: %w: %s", ctx.Err(), c.logText())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *cluster) logText() string {
	b, _ := os.ReadFile(c.log)
	return string(b)
}

// Close stops the postmaster (fast shutdown) and removes the directory.
func (c *cluster) Close() error {
	var errs []error
	if c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
			errs = append(errs, errors.New("postgres did not stop within 30s; killed"))
		}
	}
	errs = append(errs, os.RemoveAll(c.dir))
	return errors.Join(errs...)
}

// baseDir is where the cluster's directory goes: the usual temporary
// directory, unless the postgres user could not reach it (running as root
// with a private TMPDIR) or a socket path under it would be too long for
// the kernel, and then /tmp.
func baseDir() string {
	base := os.TempDir()
	if len(base) > 60 {
		return "/tmp"
	}
	if os.Geteuid() == 0 {
		for d := base; d != "/" && d != "."; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err != nil || fi.Mode().Perm()&0o001 == 0 {
				return "/tmp"
			}
		}
	}
	return base
}

// credential returns who the cluster runs as: nil (the current user) unless
// that is root, which PostgreSQL refuses, and then the postgres user, made
// owner of dir.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres user (apt-get install postgresql creates it): %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user: %w", err)
	}
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
