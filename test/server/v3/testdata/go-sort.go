// Prints, for seeded random inputs, the order Go 1.19's sort.Sort (and sort.Reverse) leaves
// key/value pairs sorted by value only: the fixture edgecd's goSort must reproduce.
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
)

type item struct{ K, V int }
type byV []item

func (s byV) Len() int           { return len(s) }
func (s byV) Less(i, j int) bool { return s[i].V < s[j].V }
func (s byV) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }

type fixture struct {
	Input   []int `json:"input"`
	Asc     []int `json:"asc"`
	Desc    []int `json:"desc"`
}

func main() {
	r := rand.New(rand.NewSource(1))
	var out []fixture
	sizes := []int{2, 5, 12, 13, 20, 49, 50, 51, 100, 300, 1000}
	for _, n := range sizes {
		for _, distinct := range []int{1, 2, 3, 10, 1000000} {
			for rep := 0; rep < 2; rep++ {
				in := make([]int, n)
				for i := range in {
					in[i] = r.Intn(distinct)
				}
				// Some inputs pre-sorted or reversed, to reach the hint paths.
				if rep == 1 && distinct > 3 {
					sort.Ints(in)
					if n%2 == 0 {
						for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
							in[i], in[j] = in[j], in[i]
						}
					}
				}
				f := fixture{Input: in}
				for _, reverse := range []bool{false, true} {
					items := make(byV, n)
					for i, v := range in {
						items[i] = item{i, v}
					}
					if reverse {
						sort.Sort(sort.Reverse(items))
					} else {
						sort.Sort(items)
					}
					keys := make([]int, n)
					for i, it := range items {
						keys[i] = it.K
					}
					if reverse {
						f.Desc = keys
					} else {
						f.Asc = keys
					}
				}
				out = append(out, f)
			}
		}
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
