// Whether a Slurm controller answers here (CI starts one with scripts/slurm/start_one_node.sh), for the tests that need one.

/** Why Slurm cannot be tested here, or null when sbatch exists and a controller answers. */
export async function slurmMissing(): Promise<string | null> {
  try {
    await new Deno.Command("sbatch", { args: ["--version"], stdout: "null", stderr: "null" }).output();
    const ping = await new Deno.Command("scontrol", { args: ["ping"], stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(ping.stdout).trim().split("\n")[0];
    return ping.success && /is UP/.test(text) ? null : `no Slurm controller answers (scontrol ping: ${text})`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "sbatch or scontrol is not on PATH";
    throw e;
  }
}
