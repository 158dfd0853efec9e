package load

import "errors"

// MatchExe checks that e is the core's main executable and returns its
// load base: ExeBase (AT_PHDR, AT_ENTRY, AT_PHNUM agree with the file),
// then Verify (the file's read-only bytes the core holds are equal).
// compared is false when the core holds none of those bytes (qemu-user
// cores leave text out on most platforms) and the auxv was the whole
// check. Call SetPlatform(e.Platform) first.
func (c *Core) MatchExe(e *ELF) (base uint64, compared bool, err error) {
	if base, err = c.ExeBase(e); err != nil {
		return 0, false, err
	}
	switch err := c.Verify(e, base); {
	case errors.Is(err, ErrNothingToCompare):
		return base, false, nil
	case err != nil:
		return 0, false, err
	}
	return base, true, nil
}
