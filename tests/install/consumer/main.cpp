// A separate project using the installed plantune::core.
#include <iostream>

#include "plantune/core/graph_builder.h"

int main() {
  plantune::Graph g("block");
  plantune::GraphBuilder b(g);
  auto x = b.input("x", {1, 64, 8, 8});
  auto y = b.conv("conv", x, 64, 3, 1, 1, 1, /*bias=*/true);  // 64*64*9 + 64 = 36928
  b.output(b.act("relu", y, plantune::Activation::relu));
  g.validate();
  std::cout << "consumer: resnet-like block with " << g.ops().size() << " ops, " << g.param_count()
            << " parameters\n";
  return 0;
}
