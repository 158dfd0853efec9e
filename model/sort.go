package model

import "fmt"

// compare calls the guest's comparison function on a and b (and arg,
// for qsort_r) and gives its int result.
func (c *Call) compare(fn, a, b uint64, arg *uint64) (int32, error) {
	var v uint64
	var err error
	if arg != nil {
		v, err = c.b.Env.CallGuest(fn, a, b, *arg)
	} else {
		v, err = c.b.Env.CallGuest(fn, a, b)
	}
	if err != nil {
		return 0, fmt.Errorf("comparison function %#x: %w", fn, err)
	}
	return int32(uint32(v)), nil
}

// maxSortBytes bounds the array a sort model copies (glibc would fall
// back to an in-place quicksort beyond physical memory).
const maxSortBytes = 1 << 30

// msort sorts as glibc 2.36's qsort does when its temporary buffer can be
// had (every array but huge ones): a top-down merge sort that splits n
// elements into n/2 and n-n/2, sorts each half, and merges them taking
// the left element while compar(left, right) <= 0. Elements of at most
// 32 bytes are merged in place in guest memory, so the comparison gets
// their current addresses; larger ones are sorted as an array of
// pointers to the untouched elements, which are put in order at the end.
func (c *Call) msort(base, n, size, fn uint64, arg *uint64) error {
	if n <= 1 || size == 0 {
		return nil
	}
	if n > maxSortBytes/size {
		return fmt.Errorf("array of %d elements of %d bytes is too large to sort", n, size)
	}
	mem := c.Mem()
	data := make([]byte, n*size)
	if err := mem.Read(base, data); err != nil {
		return fmt.Errorf("read the array: %w", err)
	}
	if size > 32 {
		idx := make([]uint64, n)
		for i := range idx {
			idx[i] = uint64(i)
		}
		tmp := make([]uint64, n)
		less := func(i, j uint64) (bool, error) {
			r, err := c.compare(fn, base+i*size, base+j*size, arg)
			return r <= 0, err
		}
		if err := mergeSort(idx, tmp, less); err != nil {
			return err
		}
		out := make([]byte, 0, len(data))
		for _, i := range idx {
			out = append(out, data[i*size:(i+1)*size]...)
		}
		return mem.Write(base, out)
	}
	// In place: the guest's array is merged level by level, each merge
	// written back before the next comparison reads it.
	tmp := make([]byte, n*size)
	var sortRange func(lo, cnt uint64) error
	sortRange = func(lo, cnt uint64) error {
		if cnt <= 1 {
			return nil
		}
		n1 := cnt / 2
		n2 := cnt - n1
		if err := sortRange(lo, n1); err != nil {
			return err
		}
		if err := sortRange(lo+n1, n2); err != nil {
			return err
		}
		l, r, t := lo, lo+n1, uint64(0)
		lend, rend := lo+n1, lo+cnt
		for l < lend && r < rend {
			res, err := c.compare(fn, base+l*size, base+r*size, arg)
			if err != nil {
				return err
			}
			if res <= 0 {
				copy(tmp[t*size:], data[l*size:(l+1)*size])
				l++
			} else {
				copy(tmp[t*size:], data[r*size:(r+1)*size])
				r++
			}
			t++
		}
		// What is left of the right half is already in place.
		t += uint64(copy(tmp[t*size:], data[l*size:lend*size])) / size
		copy(data[lo*size:], tmp[:t*size])
		return mem.Write(base+lo*size, data[lo*size:(lo+t)*size])
	}
	return sortRange(0, n)
}

// mergeSort sorts s with the same splits and merge rule as msort.
func mergeSort(s, tmp []uint64, le func(a, b uint64) (bool, error)) error {
	if len(s) <= 1 {
		return nil
	}
	n1 := len(s) / 2
	if err := mergeSort(s[:n1], tmp, le); err != nil {
		return err
	}
	if err := mergeSort(s[n1:], tmp, le); err != nil {
		return err
	}
	l, r, t := 0, n1, 0
	for l < n1 && r < len(s) {
		ok, err := le(s[l], s[r])
		if err != nil {
			return err
		}
		if ok {
			tmp[t] = s[l]
			l++
		} else {
			tmp[t] = s[r]
			r++
		}
		t++
	}
	t += copy(tmp[t:], s[l:n1])
	copy(s, tmp[:t])
	return nil
}
