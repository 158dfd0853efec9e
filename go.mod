module github.com/smallworld-go/smallworld

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/arch v0.32.0
)
