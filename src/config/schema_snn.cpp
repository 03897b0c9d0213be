// Schema of study "snn_convex" (paper 002): a task, a K-parallel LIF network swept over branch
// counts and depths, and the methods that train it (SG, CVX). Run by snn_convex_study.cpp;
// docs/user-guide/snn-training.md.
#include "schema_fields.hpp"

namespace einet::config {
using namespace fields;

namespace {

const std::vector<std::string> study{"snn_convex"};


}  // namespace

std::vector<section> snn_sections() {
    section task{"task", "data of paper 002 (spec §7): first-last-XOR or sequential images (Fashion-MNIST shipped)", study,
                 {choice("kind", {"first_last_xor", "sequential_images", "addition"}, "first_last_xor",
                         "first_last_xor: label x_1 XOR x_T, one-hot input (spec §7.1); sequential_images: images "
                         "streamed in T chunks (spec §7.2; Debian's Fashion-MNIST unless the file keys are set); "
                         "addition: multi-digit addition with carry, two heads, ID and OOD lengths ([addition], spec §7.3)"),
                  integer("steps", "6", 2, 784, "sequence length T"),
                  integer("n_train", "2000", 1, 1e8, "training sequences"),
                  integer("n_val", "2000", 0, 1e8, "validation sequences (SG keeps its best-validation epoch)"),
                  integer("n_test", "4000", 1, 1e8, "test sequences"),
                  text("train_images", "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "IDX file (MNIST format, plain or gzip)"),
                  text("train_labels", "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz", "IDX labels"),
                  text("test_images", "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "IDX file"),
                  text("test_labels", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", "IDX labels")}};
    section addition{"addition", "addition with carry (spec §7.3–7.4): base, lengths, the λ_carry grid", study,
                     {integer("base", "3", 2, 36, "digit base b"),
                      integer("digits", "5", 1, 10000, "operand digits n of the training/ID data (T = n + 1)"),
                      integers("ood_digits", "[10, 25, 50]", 1, "operand digits of the length-OOD test sets"),
                      choice("initial_carry", {"random", "zero"}, "random", "c_1: uniform in {0, 1} (spec A14) or 0"),
                      flag("carry_input", true,
                           "x_t = (a_t, b_t, c_t)/(b−1), teacher-forced carry, autoregressive evaluation (main protocol); "
                           "false: x_t = (a_t, b_t)/(b−1) and OVR-hinge heads (Table 6 direct variant)"),
                      num("lambda_sum", "1", 0.0, inf, "λ_sum of the sum head"),
                      numbers("lambda_carry", "[0.125, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 4, 6, 8, 10]", 0.0, inf,
                              "λ_carry grid of the carry head (ρ_carry = β/λ_carry in the convex solve)"),
                      flag("finetune_split", true,
                           "SG-SG and CVX-SG fine-tune on the fresh split B (seeds s+1011, s+1029) instead of split A")}};
    section snn{"snn", "the K-parallel discrete-time LIF network (spec §2.3–2.4); branches × depth × seeds are swept", study,
                {integers("branches", "[2]", 1, "K values (P_rec and P_last must be divisible by each)"),
                 integers("depth", "[3]", 1, "L values: weight layers including the readout (L−1 LIF layers)"),
                 integers("seeds", "[0]", 0, "witness / initialisation seeds (data use run.seed)"),
                 integer("p_rec", "500", 1, 1e7, "total inner LIF width over branches"),
                 integer("p_last", "1000", 1, 1e7, "total last-layer width = dictionary columns"),
                 num("beta_leak", "0.99", 0.0, 1.0, "leak β"),
                 num("theta", "1", 0.0, inf, "threshold θ")}};
    section methods{"methods", "which training methods run (spec §6)", study,
                    {strings("run", "[\"cvx\", \"sg\"]",
                             "any of \"cvx\" (Gaussian witness + convex readout), \"sg\" (surrogate gradients), "
                             "\"sg_cvx\" (convex readout over the SG model's hidden weights), \"sg_sg\" (SG fine-tuning "
                             "of the SG model) and \"cvx_sg\" (SG fine-tuning of the CVX network); spec §6")}};
    section convex{"convex", "the certified convex program over the spike dictionary (spec §5)", study,
                   {choice("loss", {"hinge", "logistic", "squared", "hinge_ovr", "ce"}, "hinge", "data loss"),
                    numbers("beta", "0.01", 0.0, inf,
                            "regularisation β or a grid of β selected by the validation data term; the solver uses "
                            "ρ = β/√P, and ρ = β/λ_head for the two addition heads (spec §5.5)"),
                    choice("rho_rule", {"auto", "sqrt_columns", "head_weight"}, "auto",
                           "β → ρ: ρ = β/√P (sqrt_columns) or ρ = β/λ_head (head_weight); auto takes "
                           "head_weight for the addition task and sqrt_columns otherwise (spec §5.5; Table 6 "
                           "uses β/√P)"),
                    choice("readout", {"spike", "membrane_threshold"}, "membrane_threshold",
                           "dictionary entries: final spikes, or 1[v_T − b ≥ 0] on the post-reset membrane (spec §4.3, A8)"),
                    num("bias", "0", -inf, inf, "b of the membrane-threshold readout"),
                    flag("dedup", false, "remove identical training columns (records the distinct count either way)"),
                    num("gap_tol", "1e-6", 0.0, 1.0, "certificate: |p − d| <= gap_tol · max(1, |p|)")}};
    section sg{"sg", "surrogate-gradient baseline (spec §3): reference LIF form, ATan, path norm, Adam, plateau", study,
               {choice("loss", {"hinge", "logistic", "squared", "hinge_ovr", "ce"}, "hinge", "data loss"),
                choice("lif", {"reference", "canonical"}, "reference", "LIF form used for SG (spec §2.3)"),
                choice("surrogate", {"atan", "fast_sigmoid", "superspike"}, "atan", "surrogate derivative"),
                numbers("lr", "0.01", 0.0, 10.0, "Adam learning rate, or a grid (spec §3: [1e-3, 5e-3, 1e-2, 1e-1])"),
                numbers("path_beta", "0.01", 0.0, inf,
                        "β_SG of the path-norm regulariser, or a grid (spec §3: [0.01, 0.1, 0.5, 1, 5, 10])"),
                integer("epochs", "200", 1, 1e7, "epochs (full batch unless batch > 0)"),
                integer("finetune_epochs", "0", 0, 1e7, "epochs of the SG-SG and CVX-SG fine-tuning (0: epochs)"),
                choice("selection", {"auto", "best_val_plus_beta", "final_val"}, "auto",
                       "grid selection (spec §3): keep each run's best-validation epoch and pick min(objective + β_SG), "
                       "or keep the final epoch and pick the min final validation objective; auto: final_val for "
                       "addition, best_val_plus_beta otherwise"),
                integer("batch", "0", 0, 1e8, "mini-batch size (0: full batch)"),
                integer("patience", "10", 0, 1e6, "ReduceLROnPlateau patience (epochs)"),
                choice("precision", {"float64", "float32"}, "float64",
                       "arithmetic of the network passes (forward, BPTT); weights, Adam and the loss stay float64")}};
    return {task, addition, snn, methods, convex, sg};
}

}  // namespace einet::config
