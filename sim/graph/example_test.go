package graph_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"giftsim/sim/graph"
)

func ExampleBarabasiAlbert() {
	r := rand.New(rand.NewPCG(1, 2))
	g, err := graph.BarabasiAlbert(r, 1000, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.N(), "nodes,", g.NumEdges(), "edges, mean degree", g.MeanDegree())
	// Output: 1000 nodes, 2994 edges, mean degree 5.988
}

func ExampleWattsStrogatz() {
	r := rand.New(rand.NewPCG(1, 2))
	g, err := graph.WattsStrogatz(r, 1000, 10, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Neighbors(0))
	fmt.Printf("mean degree %v, clustering %.4f\n", g.MeanDegree(), g.ClusteringCoefficient(nil, 0))
	// Output:
	// [1 2 3 4 5 995 996 997 998 999]
	// mean degree 10, clustering 0.6667
}

func ExampleStochasticBlock() {
	r := rand.New(rand.NewPCG(1, 2))
	// Two cliques of 3 and 4 users with no link between them.
	g, err := graph.StochasticBlock(r, []int{3, 4}, 1, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.NumEdges(), g.Neighbors(0), g.Neighbors(3))
	// Output: 9 [1 2] [4 5 6]
}

func ExampleFromEdges() {
	g, err := graph.FromEdges(4, [][2]int32{{0, 2}, {2, 1}, {1, 0}, {0, 2}, {3, 3}})
	if err != nil {
		panic(err)
	}
	for u := range int32(g.N()) {
		fmt.Println(u, g.Neighbors(u))
	}
	// Output:
	// 0 [1 2]
	// 1 [0 2]
	// 2 [0 1]
	// 3 []
}

func ExampleReadEdgeList() {
	const csv = `source,target
# a triangle and a pendant
0,1
1,2
2,0
2,3
`
	g, err := graph.ReadEdgeList(context.Background(), strings.NewReader(csv), "friends.csv")
	if err != nil {
		panic(err)
	}
	fmt.Println(g.N(), g.NumEdges(), g.DegreeHistogram())

	_, err = graph.ReadEdgeList(context.Background(), strings.NewReader("0,1\n1,x\n"), "friends.csv")
	var pe *graph.ParseError
	fmt.Println(err)
	fmt.Println(errors.As(err, &pe), pe.Line, errors.Is(err, graph.ErrSyntax))
	// Output:
	// 4 4 [0 1 2 1]
	// graph: friends.csv:2: invalid target node id "x"
	// true 2 true
}

func ExampleGraph_ClusteringCoefficient() {
	g, err := graph.FromEdges(4, [][2]int32{{0, 1}, {1, 2}, {0, 2}, {2, 3}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", g.ClusteringCoefficient(nil, 0))
	// Output: 0.5833
}
