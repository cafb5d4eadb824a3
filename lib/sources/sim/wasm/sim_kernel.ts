// deno-fmt-ignore-file: deno fmt would drop the AssemblyScript @inline decorators on functions
// @ts-nocheck: AssemblyScript source (f64, u32, load/store, memory.data are compiler builtins),
// compiled to sim_kernel.wasm by `deno task build-wasm`; Deno never type-checks or runs it.
/**
 * WebAssembly kernel of the simulated market's session generator: the same computation as
 * `generateJs` in `../_intraday.ts` and `StreamRng.fillNormals` in `../_stream.ts`, operation for
 * operation in IEEE double (wasm's f64 add, sub, mul, div, sqrt, floor, ceil, min, max, abs are
 * the correctly rounded or exact operations JavaScript's are), so every output is the same bit
 * for bit. Three things JavaScript does differently from a plain wasm instruction:
 * - `Math.round(x)` rounds half up (towards +Infinity), not to even: jsRound below is
 *   c = ceil(x); c - 0.5 <= x ? c : c - 1 (c - 0.5 is exact for |c| < 2^52; -0 and NaN as JS).
 * - `Math.exp` and `Math.log` in V8 15 (Deno 2.9) are LLVM libc's correctly rounded exp and log
 *   (src/base/ieee754.cc; older V8 used fdlibm, within 1 ulp). A correctly rounded result is
 *   unique, so crExp and crLog below give the same double: a table-driven evaluation in
 *   double-double arithmetic (Dekker's exact products, no FMA) to about 2^-66 relative, then
 *   Ziv's rounding test: if x + (tail + B) and x + (tail - B) round to the same double, that
 *   double is the correctly rounded value; otherwise (about 1 case in 300, and outside the
 *   fast path's domain) the kernel calls the host's own Math.exp / Math.log (imported from
 *   `./sim_math.ts`).
 * - The RNG (xoshiro128** seeded by splitmix32, 53-bit uniforms from two outputs, polar
 *   Marsaglia normals keeping the second variate) is u32 arithmetic, exact in wasm's i32.
 *
 * exp(x) = 2^k 2^(j/64) exp(r), N = nearest(64 x / ln 2) = 64 k + j, r = x - N ln2/64 with
 * ln2/64 = EXP_L1 + EXP_L2 (N EXP_L1 exact), exp(r) - 1 by its Taylor series to r^7
 * (|r| <= ln2/128). log(x) = k ln2 - log(c_i) + log1p(r), x = 2^k m, c_i a 26-bit reciprocal
 * of m's 1/128 interval, r = m c_i - 1 exact as a double-double (m split in 26 + 27 bits);
 * log1p(r) by its series to r^11 (|r| <= 2^-8), and r = x - 1 exactly when |x - 1| < 2^-7.
 *
 * Memory: the caller (../_intraday_wasm.ts) lays out the buffers above heapBase() and passes
 * their addresses; the kernel keeps only the RNG state in globals.
 *
 * @see Ziv, A. (1991). Fast evaluation of elementary mathematical functions with correctly
 *      rounded last bit. ACM TOMS 17(3), 410-423. doi:10.1145/114697.116813
 * @see Dekker, T. J. (1971). A floating-point technique for extending the available precision.
 *      Numer. Math. 18, 224-242. doi:10.1007/BF01397083
 * @see Tang, P. T. P. (1989). Table-driven implementation of the exponential function in IEEE
 *      floating-point arithmetic. ACM TOMS 15(2), 144-157. doi:10.1145/63522.214389
 * @see Blackman, D., & Vigna, S. (2021). Scrambled linear pseudorandom number generators.
 *      ACM TOMS 47(4). doi:10.1145/3460772
 */

@external("./sim_math.ts", "exp")
declare function hostExp(x: f64): f64;
@external("./sim_math.ts", "log")
declare function hostLog(x: f64): f64;

// ---- tables (tests: gen_tables.py prints them from mpmath; sim_kernel_test checks exp/log) ----
const EXP_T: usize = memory.data<u64>([
  0x3ff0000000000000, 0x0000000000000000, 0x3ff02c9a3e778061, 0xbc719083535b085d,
  0x3ff059b0d3158574, 0x3c8d73e2a475b465, 0x3ff0874518759bc8, 0x3c6186be4bb284ff,
  0x3ff0b5586cf9890f, 0x3c98a62e4adc610b, 0x3ff0e3ec32d3d1a2, 0x3c403a1727c57b53,
  0x3ff11301d0125b51, 0xbc96c51039449b3a, 0x3ff1429aaea92de0, 0xbc932fbf9af1369e,
  0x3ff172b83c7d517b, 0xbc819041b9d78a76, 0x3ff1a35beb6fcb75, 0x3c8e5b4c7b4968e4,
  0x3ff1d4873168b9aa, 0x3c9e016e00a2643c, 0x3ff2063b88628cd6, 0x3c8dc775814a8495,
  0x3ff2387a6e756238, 0x3c99b07eb6c70573, 0x3ff26b4565e27cdd, 0x3c82bd339940e9d9,
  0x3ff29e9df51fdee1, 0x3c8612e8afad1255, 0x3ff2d285a6e4030b, 0x3c90024754db41d5,
  0x3ff306fe0a31b715, 0x3c86f46ad23182e4, 0x3ff33c08b26416ff, 0x3c932721843659a6,
  0x3ff371a7373aa9cb, 0xbc963aeabf42eae2, 0x3ff3a7db34e59ff7, 0xbc75e436d661f5e3,
  0x3ff3dea64c123422, 0x3c8ada0911f09ebc, 0x3ff4160a21f72e2a, 0xbc5ef3691c309278,
  0x3ff44e086061892d, 0x3c489b7a04ef80d0, 0x3ff486a2b5c13cd0, 0x3c73c1a3b69062f0,
  0x3ff4bfdad5362a27, 0x3c7d4397afec42e2, 0x3ff4f9b2769d2ca7, 0xbc94b309d25957e3,
  0x3ff5342b569d4f82, 0xbc807abe1db13cad, 0x3ff56f4736b527da, 0x3c99bb2c011d93ad,
  0x3ff5ab07dd485429, 0x3c96324c054647ad, 0x3ff5e76f15ad2148, 0x3c9ba6f93080e65e,
  0x3ff6247eb03a5585, 0xbc9383c17e40b497, 0x3ff6623882552225, 0xbc9bb60987591c34,
  0x3ff6a09e667f3bcd, 0xbc9bdd3413b26456, 0x3ff6dfb23c651a2f, 0xbc6bbe3a683c88ab,
  0x3ff71f75e8ec5f74, 0xbc816e4786887a99, 0x3ff75feb564267c9, 0xbc90245957316dd3,
  0x3ff7a11473eb0187, 0xbc841577ee04992f, 0x3ff7e2f336cf4e62, 0x3c705d02ba15797e,
  0x3ff82589994cce13, 0xbc9d4c1dd41532d8, 0x3ff868d99b4492ed, 0xbc9fc6f89bd4f6ba,
  0x3ff8ace5422aa0db, 0x3c96e9f156864b27, 0x3ff8f1ae99157736, 0x3c85cc13a2e3976c,
  0x3ff93737b0cdc5e5, 0xbc675fc781b57ebc, 0x3ff97d829fde4e50, 0xbc9d185b7c1b85d1,
  0x3ff9c49182a3f090, 0x3c7c7c46b071f2be, 0x3ffa0c667b5de565, 0xbc9359495d1cd533,
  0x3ffa5503b23e255d, 0xbc9d2f6edb8d41e1, 0x3ffa9e6b5579fdbf, 0x3c90fac90ef7fd31,
  0x3ffae89f995ad3ad, 0x3c97a1cd345dcc81, 0x3ffb33a2b84f15fb, 0xbc62805e3084d708,
  0x3ffb7f76f2fb5e47, 0xbc75584f7e54ac3b, 0x3ffbcc1e904bc1d2, 0x3c823dd07a2d9e84,
  0x3ffc199bdd85529c, 0x3c811065895048dd, 0x3ffc67f12e57d14b, 0x3c92884dff483cad,
  0x3ffcb720dcef9069, 0x3c7503cbd1e949db, 0x3ffd072d4a07897c, 0xbc9cbc3743797a9c,
  0x3ffd5818dcfba487, 0x3c82ed02d75b3707, 0x3ffda9e603db3285, 0x3c9c2300696db532,
  0x3ffdfc97337b9b5f, 0xbc91a5cd4f184b5c, 0x3ffe502ee78b3ff6, 0x3c839e8980a9cc8f,
  0x3ffea4afa2a490da, 0xbc9e9c23179c2893, 0x3ffefa1bee615a27, 0x3c9dc7f486a4b6b0,
  0x3fff50765b6e4540, 0x3c99d3e12dd8a18b, 0x3fffa7c1819e90d8, 0x3c874853f3a5931e,
]);
const LOG_C: usize = memory.data<u64>([
  0x3fefe01fe0000000, 0x3fefa11ca8000000, 0x3fef6310b0000000, 0x3fef25f648000000,
  0x3feee9c7f8000000, 0x3feeae8078000000, 0x3fee741aa8000000, 0x3fee3a9178000000,
  0x3fee01e020000000, 0x3fedca01e0000000, 0x3fed92f220000000, 0x3fed5cac80000000,
  0x3fed272ca0000000, 0x3fecf26e60000000, 0x3fecbe6d98000000, 0x3fec8b2658000000,
  0x3fec5894d0000000, 0x3fec26b538000000, 0x3febf583f0000000, 0x3febc4fd68000000,
  0x3feb951e28000000, 0x3feb65e2e0000000, 0x3feb374848000000, 0x3feb094b30000000,
  0x3feadbe880000000, 0x3feaaf1d30000000, 0x3fea82e650000000, 0x3fea574108000000,
  0x3fea2c2a88000000, 0x3fea01a018000000, 0x3fe9d79f18000000, 0x3fe9ae24e8000000,
  0x3fe9852f10000000, 0x3fe95cbb08000000, 0x3fe934c680000000, 0x3fe90d4f10000000,
  0x3fe8e65278000000, 0x3fe8bfce80000000, 0x3fe899c0f8000000, 0x3fe87427c0000000,
  0x3fe84f00c0000000, 0x3fe82a4a00000000, 0x3fe8060180000000, 0x3fe7e22550000000,
  0x3fe7beb390000000, 0x3fe79baa68000000, 0x3fe7790810000000, 0x3fe756cac0000000,
  0x3fe734f0c8000000, 0x3fe7137870000000, 0x3fe6f26018000000, 0x3fe6d1a628000000,
  0x3fe6b14908000000, 0x3fe6914738000000, 0x3fe6719f38000000, 0x3fe6524f88000000,
  0x3fe63356b8000000, 0x3fe614b368000000, 0x3fe5f66438000000, 0x3fe5d867c0000000,
  0x3fe5babcc8000000, 0x3fe59d61f0000000, 0x3fe5805600000000, 0x3fe56397b8000000,
  0x3fe54725e8000000, 0x3fe52aff58000000, 0x3fe50f22e0000000, 0x3fe4f38f60000000,
  0x3fe4d843c0000000, 0x3fe4bd3ee0000000, 0x3fe4a27fb0000000, 0x3fe4880520000000,
  0x3fe46dce38000000, 0x3fe453d9e0000000, 0x3fe43a2730000000, 0x3fe420b528000000,
  0x3fe40782d0000000, 0x3fe3ee8f40000000, 0x3fe3d5d990000000, 0x3fe3bd60d8000000,
  0x3fe3a52438000000, 0x3fe38d22d0000000, 0x3fe3755bd0000000, 0x3fe35dce60000000,
  0x3fe34679b0000000, 0x3fe32f5cf0000000, 0x3fe3187758000000, 0x3fe301c828000000,
  0x3fe2eb4ea0000000, 0x3fe2d50a00000000, 0x3fe2bef990000000, 0x3fe2a91c90000000,
  0x3fe2937258000000, 0x3fe27dfa38000000, 0x3fe268b380000000, 0x3fe2539d80000000,
  0x3fe23eb798000000, 0x3fe22a0120000000, 0x3fe2157980000000, 0x3fe2012010000000,
  0x3fe1ecf440000000, 0x3fe1d8f568000000, 0x3fe1c52300000000, 0x3fe1b17c68000000,
  0x3fe19e0118000000, 0x3fe18ab080000000, 0x3fe1778a18000000, 0x3fe1648d50000000,
  0x3fe151b9a0000000, 0x3fe13f0e90000000, 0x3fe12c8b88000000, 0x3fe11a3018000000,
  0x3fe107fbc0000000, 0x3fe0f5edf8000000, 0x3fe0e40658000000, 0x3fe0d24458000000,
  0x3fe0c0a788000000, 0x3fe0af2f70000000, 0x3fe09ddba8000000, 0x3fe08cabb0000000,
  0x3fe07b9f28000000, 0x3fe06ab5a0000000, 0x3fe059eea0000000, 0x3fe04949d0000000,
  0x3fe038c6b8000000, 0x3fe0286500000000, 0x3fe0182438000000, 0x3fe0080400000000,
]);
const LOG_L: usize = memory.data<u64>([
  0x3f6ff00ac2b10bc0, 0x3c06821ad5a97dfe, 0x3f87dc47e1810a7b, 0xbbd4d76717a84751,
  0x3f93cea3d546a57b, 0xbc2425ad7e3e325f, 0x3f9b9fbfa8af91a0, 0xbc2205cd77ad0bb0,
  0x3fa1b0d98da3d980, 0xbc3c12e889b6f881, 0x3fa58a5bdd48e4d7, 0xbc4b815c23a3bec7,
  0x3fa95c82e648e3ed, 0x3c277839eba857c8, 0x3fad276baa5b0b53, 0x3c13e78a79094a8f,
  0x3fb075982498e472, 0xbc4fb25acff68f9d, 0x3fb253f6120a1419, 0xbc58a1259e302f7a,
  0x3fb42edcd9a646f2, 0xbc55f1582feaf49b, 0x3fb60658ad3750c4, 0xbc5188458ebcc614,
  0x3fb7da76907b12cf, 0xbc373b7eff915a12, 0x3fb9ab42252033af, 0xbc0c99e337dce8be,
  0x3fbb78c819f0eda2, 0xbc568d0e63cbb7e6, 0x3fbd4313f12cb35f, 0xbc4dfa44c94ea6b5,
  0x3fbf0a30c99162a7, 0xbc5c58cda35cd289, 0x3fc06715182a596e, 0x3c61bf323f8ff577,
  0x3fc147857da742ad, 0xbc6a737ec22c04f9, 0x3fc2266f0daa5acc, 0xbc04a1041a7f2884,
  0x3fc303d727447fd4, 0xbc5963ce370eb63a, 0x3fc3dfc2c26cc62b, 0xbc193a8d9e3256b5,
  0x3fc4ba3700fa55e6, 0x3c3a140dff07a95d, 0x3fc59338e2582086, 0x3c4fd5baae678b0e,
  0x3fc66acd4072ad51, 0xbc4d201c9c47fc0f, 0x3fc740f8f30037a5, 0xbc589e4062afe4db,
  0x3fc815c0a70357eb, 0xbc30d9201aed2039, 0x3fc8e928dba86d41, 0xbc6358d851ad5345,
  0x3fc9bb362d5dfb83, 0x3c65c6e31effc48c, 0x3fca8bed06682f19, 0x3c5235c870f5c06b,
  0x3fcb5b519bafb5a4, 0x3c6db37fdc11f5cb, 0x3fcc2968612c18c1, 0x3c55162392cf602a,
  0x3fccf63541c9c5dd, 0xbc5084bf0a1e1580, 0x3fcdc1bcb44bec7f, 0xbc4e08eb723f4b60,
  0x3fce8c0250aa5a60, 0xbc42e03a39ca7345, 0x3fcf550a608b7b37, 0x3c6c09f6e1370f6e,
  0x3fd00e6c4d3d501d, 0x3c6c77a9748a5d7e, 0x3fd071b860cd590d, 0x3c5f1707f98133d5,
  0x3fd0d46b526ab74b, 0x3c7593e40d643ddf, 0x3fd13686fa13a8b1, 0xbc50a675a9140c2c,
  0x3fd1980d34542370, 0xbc710c2e4dad040f, 0x3fd1f8ffa248a2f3, 0xbc749fdf99b6f5b1,
  0x3fd2596011df763a, 0xbc4deed8ae041291, 0x3fd2b9303e589d25, 0xbc7204b5fd45a77f,
  0x3fd31871cf344185, 0x3c6fe0a6789b883c, 0x3fd377266ccfd85c, 0xbc70ca4535b3b252,
  0x3fd3d54faa21f710, 0xbc74a065c6322238, 0x3fd432ef2f84e814, 0xbc4bc98b83e79d6f,
  0x3fd4900678b009d1, 0x3c6f313cb98d2bfa, 0x3fd4ec972bc0026a, 0x3c3c7782504704c5,
  0x3fd548a2c0bdd263, 0xbc5ef19efce84b61, 0x3fd5a42aacc4cfe2, 0xbc70274b7e5081d2,
  0x3fd5ff30781793d4, 0x3c6b8af1094cac68, 0x3fd659b57a33e1f3, 0xbc56d2f4ff53f96e,
  0x3fd6b3bb1c85943e, 0xbc6af7ad9b9daa90, 0x3fd70d42da889236, 0x3c74ea1bf4796ebe,
  0x3fd7664e13c9dbcf, 0xbc6cfc5d64ebaecd, 0x3fd7bede0ac7afc0, 0xbc784fbcb97fdd9c,
  0x3fd816f41270d497, 0xbc73fdbca7966906, 0x3fd86e91a5b30ba1, 0x3c527cd8d7a51445,
  0x3fd8c5b7c348b48b, 0xbc713a34fea70455, 0x3fd91c67eea5a83e, 0xbc785c0ae2016c11,
  0x3fd972a345135159, 0xbc7da3f62d5f39d1, 0x3fd9c86b0a4c0863, 0x3c44848a5c35ce50,
  0x3fda1dc06105b996, 0xbc7fba5796be425d, 0x3fda72a4925bd9ea, 0x3c6bd4b58c8bf90c,
  0x3fdac718c598b0e4, 0x3c60958f5c2d4870, 0x3fdb1b1e177dfc5c, 0x3c218f2c80ece010,
  0x3fdb6eb599bcf35e, 0xbc728dbccd6b94e7, 0x3fdbc1e083cdad0b, 0xbc751978faf6c115,
  0x3fdc149fe935f027, 0x3c646c68d968e5f7, 0x3fdc66f4ea3f6ff8, 0x3c6afb5c6fc55665,
  0x3fdcb8e068dd7acb, 0x3c288785648cf573, 0x3fdd0a63b7321e65, 0xbc706198f3eca4dc,
  0x3fdd5b7f9d02c684, 0xbc65f7e7f83129bf, 0x3fddac3538fc5954, 0x3c76381a5b52ed11,
  0x3fddfc859c66d5b5, 0x3c75d0139a2ca598, 0x3fde4c71b0e87705, 0xbc70ac36ddbd7d63,
  0x3fde9bfa6af861f6, 0xbc78725037551225, 0x3fdeeb20c9f0ddf4, 0x3c742e38ec2756e5,
  0x3fdf39e5be111e5c, 0xbc670ec777b0edba, 0x3fdf884a421e9ec3, 0x3c61f55cac58beac,
  0x3fdfd64f26d61572, 0x3c4ea3d4fd384640, 0x3fe011fab085ff8a, 0x3c69a0dd407f2889,
  0x3fe0389eea9e633c, 0xbc860c51d9446806, 0x3fe05f14b8d6459c, 0x3c853fb71c1e34e0,
  0x3fe0855c89d3450e, 0x3c895dc26e5d1922, 0x3fe0ab76c37614d2, 0x3c670b6d9ddf1e0a,
  0x3fe0d163d019d6b8, 0x3c5c28cad150b9e2, 0x3fe0f7241e9b497d, 0x3c87a8443bc85c47,
  0x3fe11cb814b7ccf8, 0x3c880c87aaa92590, 0x3fe142202a343d45, 0x3c8646e3b95891ed,
  0x3fe1675cb213a60f, 0xbc860e8e05298abc, 0x3fe18c6e110dcf06, 0x3c607b8a16321d65,
  0x3fe1b154affda29f, 0x3c8a3b852a91d005, 0x3fe1d610fbe77003, 0x3c70a75635a0eb92,
  0x3fe1faa349ef094c, 0x3c6634dc7b7a6d58, 0x3fe21f0c0105beec, 0x3c7bb5879f93070d,
  0x3fe2434b6fc83934, 0xbc6cebb8cf0cc266, 0x3fe2676204c430e0, 0xbbe12aec74424dfc,
  0x3fe28b5007b60783, 0x3c82d09f9a8f3ff8, 0x3fe2af15eeae40ad, 0x3c72a8b229039b6d,
  0x3fe2d2b3fa2edc9e, 0x3c8bee9d2f3f8e00, 0x3fe2f62a99389546, 0x3c76cb06739ffb59,
  0x3fe3197a130ffe6a, 0x3c82f3123fb88c2e, 0x3fe33ca2c0b28995, 0x3c8c46ba6cb5b3bb,
  0x3fe35fa4efdb6ea0, 0x3c62d0a8d0c59342, 0x3fe382810028797f, 0xbc79997a6c155965,
  0x3fe3a53745debdfa, 0x3c898b0892a265e9, 0x3fe3c7c7fac73206, 0x3c79e9f2432c9cbe,
  0x3fe3ea3397032f5c, 0xbc821f5167a9ac40, 0x3fe40c7a4b98dce9, 0x3c8239d16fddd210,
  0x3fe42e9c6a1f80bf, 0x3c893bee3c19430e, 0x3fe4509a564bbb0b, 0xbc81fddd7811a4db,
  0x3fe472743a7baaae, 0xbc8d5058819b4ba6, 0x3fe4942a803afc08, 0xbc8594fabc6d9c30,
  0x3fe4b5bd668ee274, 0xbc84cb606c616528, 0x3fe4d72d3e69fd01, 0xbc8ca9b2bd2a611e,
  0x3fe4f87a3cc826e9, 0xbc882468b21369fd, 0x3fe519a4c76a3447, 0x3c69b084bc7f0caa,
  0x3fe53aad09119b7d, 0xbc745c9608cd8388, 0x3fe55b934dd40bce, 0xbc49b3435192d0df,
  0x3fe57c57f416f191, 0xbc8dd13a3bc4eee7, 0x3fe59cfb1e4ae87f, 0xbc6c55484888e754,
  0x3fe5bd7d2fef1c73, 0x3c6fb9da6d9f4f32, 0x3fe5ddde50149924, 0x3c7d9f46eca133a8,
  0x3fe5fe1ed7798919, 0xbc817a7611a8f134, 0x3fe61e3f01a46467, 0xbc7436e4fb134b1c,
]);
const LN2_HI: f64 = reinterpret<f64>(0x3fe62e42fefa0000); // 0.6931471805582987
const LN2_LO: f64 = reinterpret<f64>(0x3d7cf79abc9e3b3a); // 1.6465949582897082e-12
const EXP_L1: f64 = reinterpret<f64>(0x3f862e42fefa0000); // LN2_HI / 64
const EXP_L2: f64 = reinterpret<f64>(0x3d1cf79abc9e3b3a); // LN2_LO / 64

const SPLIT: f64 = 134217729.0; // 2^27 + 1, Veltkamp's splitting constant
const INV_L: f64 = 92.33248261689366; // 64 / ln 2
const ERR: f64 = 2.168404344971009e-19; // 2^-62: the rounding test's relative bound

/** Calls of the host's Math.exp / Math.log (hard cases and out-of-range arguments). */
let fallbacks: u32 = 0;
export function fallbackCount(): u32 {
  return fallbacks;
}

/** Correctly rounded e^x (= V8's Math.exp). */
export function crExp(x: f64): f64 {
  if (!(abs<f64>(x) <= 700.0)) {
    fallbacks++;
    return hostExp(x);
  }
  const nf = nearest<f64>(x * INV_L);
  const n = <i32>nf;
  const j = n & 63;
  const k = n >> 6;
  const rh = x - nf * EXP_L1; // exact (Sterbenz)
  const rl = -(nf * EXP_L2);
  const r = rh + rl;
  const bv = r - rh;
  const rr = (rh - (r - bv)) + (rl - bv); // r + rr = rh + rl exactly
  const th = load<f64>(EXP_T + (<usize>j << 4));
  const tl = load<f64>(EXP_T + (<usize>j << 4) + 8);
  // e^r - 1 - r
  const q = r * r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 +
    r * (0.008333333333333333 + r * (0.001388888888888889 + r * 0.0001984126984126984)))));
  // th * r = p + pe exactly (Dekker)
  const p = th * r;
  let t = SPLIT * th;
  const thh = t - (t - th);
  const thl = th - thh;
  t = SPLIT * r;
  const rhh = t - (t - r);
  const rhl = r - rhh;
  const pe = ((thh * rhh - p) + thh * rhl + thl * rhh) + thl * rhl;
  const s = th + p;
  const sl = (th - s) + p;
  const tail = ((th * (q + rr) + tl * r) + tl) + (pe + sl);
  const b = s * ERR;
  const up = s + (tail + b);
  const lo = s + (tail - b);
  if (up != lo) {
    fallbacks++;
    return hostExp(x);
  }
  return up * reinterpret<f64>(<u64>(k + 1023) << 52);
}

/** Correctly rounded natural logarithm (= V8's Math.log). */
export function crLog(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  const hx = <i32>(bits >> 32);
  if (hx < 0x00100000 || hx >= 0x7ff00000) {
    // zero, negative, subnormal, infinite or NaN
    fallbacks++;
    return hostLog(x);
  }
  let r: f64, rlo: f64, hh: f64, hl: f64;
  if (abs<f64>(x - 1.0) < 0.0078125) {
    r = x - 1.0; // exact (Sterbenz)
    rlo = 0;
    hh = 0;
    hl = 0;
  } else {
    const kf = <f64>((hx >> 20) - 1023);
    const i = <usize>((hx >> 13) & 127);
    const m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
    const mh = reinterpret<f64>(reinterpret<u64>(m) & 0xfffffffff8000000); // 26 bits
    const ml = m - mh; // exact, 27 bits
    const c = load<f64>(LOG_C + (i << 3)); // 26 bits
    const a = mh * c - 1.0; // exact product, exact difference
    const bv = ml * c; // exact
    r = a + bv;
    let z = r - a;
    rlo = (a - (r - z)) + (bv - z);
    const a1 = kf * LN2_HI; // exact
    const a2 = load<f64>(LOG_L + (i << 4));
    hh = a1 + a2;
    z = hh - a1;
    hl = ((a1 - (hh - z)) + (a2 - z)) + (kf * LN2_LO + load<f64>(LOG_L + (i << 4) + 8));
  }
  // r * r = sq + sqe exactly (Dekker)
  const sq = r * r;
  const t = SPLIT * r;
  const rh = t - (t - r);
  const rl = r - rh;
  const sqe = ((rh * rh - sq) + 2.0 * (rh * rl)) + rl * rl;
  const half = -0.5 * sq;
  // r^3 (1/3 - r/4 + ... - r^8/11)
  const p3 = r * sq * (0.3333333333333333 + r * (-0.25 + r * (0.2 + r * (-0.16666666666666666 +
    r * (0.14285714285714285 + r * (-0.125 + r * (0.1111111111111111 + r * (-0.1 +
    r * 0.09090909090909091))))))));
  let s = hh + r;
  let z = s - hh;
  const s1 = (hh - (s - z)) + (r - z);
  const s2v = s + half;
  z = s2v - s;
  const s2 = (s - (s2v - z)) + (half - z);
  const tail = (((p3 - 0.5 * sqe) + (rlo - r * rlo)) + hl) + (s1 + s2);
  const b = abs<f64>(s2v) * ERR;
  const up = s2v + (tail + b);
  const lo = s2v + (tail - b);
  if (up != lo) {
    fallbacks++;
    return hostLog(x);
  }
  return up;
}

/** Math.round: nearest integer, halves towards +Infinity (-0 kept, NaN to NaN). */
// @ts-ignore: decorator
@inline function jsRound(x: f64): f64 {
  const c = ceil<f64>(x);
  return c - 0.5 <= x ? c : c - 1.0;
}

/** roundPx: cents at or above $1, 1/100 of a cent below. */
// @ts-ignore: decorator
@inline function roundPx(x: f64): f64 {
  return x >= 1 ? jsRound(x * 100) / 100 : jsRound(x * 10000) / 10000;
}

// ---- the RNG: StreamRng's state and draws ------------------------------------------------------

let s0: u32 = 0;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;
let spare: f64 = NaN;

/** The state of `new Rng(seed)` (splitmix32 of the seed, four outputs). */
export function seedRng(seed: u32): void {
  let x = seed;
  for (let i = 0; i < 4; i++) {
    x += 0x9e3779b9;
    let z = x;
    z = (z ^ (z >>> 16)) * 0x85ebca6b;
    z = (z ^ (z >>> 13)) * 0xc2b2ae35;
    z = z ^ (z >>> 16);
    if (i == 0) s0 = z;
    else if (i == 1) s1 = z;
    else if (i == 2) s2 = z;
    else s3 = z;
  }
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
  spare = NaN;
}

// @ts-ignore: decorator
@inline function nextU32(): u32 {
  const r = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return r;
}

/** Uniform double in [0, 1) with 53 random bits (Rng.uniform). */
export function uniform(): f64 {
  const a = nextU32() >>> 5;
  const b = nextU32() >>> 6;
  return (<f64>a * 67108864 + <f64>b) / 9007199254740992;
}

/** `count` standard normals (Rng.normal calls) to f64 memory at `out`. */
export function fillNormals(out: usize, count: i32): void {
  let i = 0;
  if (i < count && spare == spare) {
    store<f64>(out, spare);
    i++;
    spare = NaN;
  }
  while (i < count) {
    let u: f64, v: f64, s: f64;
    do {
      const a1 = nextU32() >>> 5;
      const b1 = nextU32() >>> 6;
      const a2 = nextU32() >>> 5;
      const b2 = nextU32() >>> 6;
      u = 2 * ((<f64>a1 * 67108864 + <f64>b1) / 9007199254740992) - 1;
      v = 2 * ((<f64>a2 * 67108864 + <f64>b2) / 9007199254740992) - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    const m = sqrt<f64>(-2 * crLog(s) / s);
    store<f64>(out + (<usize>i << 3), u * m);
    i++;
    if (i < count) {
      store<f64>(out + (<usize>i << 3), v * m);
      i++;
    } else spare = v * m;
  }
}

// ---- the session generator ----------------------------------------------------------------------

// parameter block (f64 slots) written by the caller before generate
const P_OPEN_MS = 0;
const P_STEP_MS = 1;
const P_OPEN = 2;
const P_CLOSE = 3;
const P_SD = 4;
const P_VOLUME = 5;
const P_TRADE_SIZE = 6;
const P_MIN_TRADES = 7;
const P_LOT = 8;
const P_TICK = 9; // NaN: cents
const P_WINDOW_MS = 10; // 0: no windows
const P_SUM_SHAPE = 11;
// outputs: the day's running aggregates
const P_DO = 16;
const P_DH = 17;
const P_DL = 18;
const P_DC = 19;
const P_DV = 20;
const P_DN = 21;
const P_DPV = 22;
const P_J = 23; // index of the last window written (-1: none); its VWAP is left to the caller
const P_WPV = 24; // sum(vw * v) of the last window

/** Start of free memory (the caller's buffers go above it). */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function ld(p: usize, k: i32): f64 {
  return load<f64>(p + (<usize>k << 3));
}
// @ts-ignore: decorator
@inline function st(p: usize, k: i32, v: f64): void {
  store<f64>(p + (<usize>k << 3), v);
}

/**
 * One session (generateJs in ../_intraday.ts): buffers z (3n + 1), variance, x, sd (n each), the
 * variance and volume U-shapes (n each), the jumps (nJumps), then outputs: step bars (8 columns
 * of `barsCap` at `bars`, or 0 for none) and window bars (8 columns of `winCap` at `win`, or 0)
 * and, when `agg` is 1, the day's aggregates and the last window's state in the parameter block
 * (the caller's SessionAggregator.finish closes the last window as in JavaScript). Returns 1
 * when an output is NaN (bad inputs): the caller then generates the session in JavaScript, whose
 * NaN bit patterns a wasm engine need not reproduce.
 */
export function generate(
  seed: u32, n: i32, params: usize, z: usize, variance: usize, x: usize, sdBuf: usize,
  volU: usize, volShape: usize, jumps: usize, nJumps: i32, bars: usize, barsCap: i32,
  win: usize, winCap: i32, agg: i32,
): i32 {
  seedRng(seed);
  fillNormals(z, 2 * n + 1);
  const phi = 1 - 8 / <f64>n;
  const eps = 0.25 * sqrt<f64>(1 - phi * phi);
  let a = 0.25 * ld(z, 0);
  let sumVar: f64 = 0;
  for (let k = 0; k < n; k++) {
    a = phi * a + eps * ld(z, 1 + k);
    const m = crExp(a);
    const vk = ld(volU, k) * m * m;
    st(variance, k, vk);
    sumVar += vk;
  }
  const sdI = ld(params, P_SD);
  const scale = (sdI * sdI) / sumVar;
  let w: f64 = 0;
  for (let k = 0; k < n; k++) {
    const vk = ld(variance, k) * scale;
    st(variance, k, vk);
    const sd = sqrt<f64>(vk);
    st(sdBuf, k, sd);
    st(x, k, sd * ld(z, 1 + n + k));
  }
  for (let i = 0; i < nJumps; i++) {
    const at = <i32>min<f64>(<f64>(n - 1), floor<f64>(uniform() * <f64>n));
    st(x, at, ld(x, at) + ld(jumps, i));
  }
  for (let k = 0; k < n; k++) w += ld(x, k);
  fillNormals(z, 3 * n);
  const open = ld(params, P_OPEN), close = ld(params, P_CLOSE);
  const gap = w - crLog(close / open);
  let cumW: f64 = 0;
  let cumV: f64 = 0;
  let prev = open;
  const sumShape = ld(params, P_SUM_SHAPE);
  const lot = ld(params, P_LOT);
  const tick = ld(params, P_TICK);
  const cents = tick != tick;
  const minTrades = ld(params, P_MIN_TRADES);
  const minVol = minTrades * lot;
  const tradeSize = ld(params, P_TRADE_SIZE), volume = ld(params, P_VOLUME);
  const openMs = ld(params, P_OPEN_MS), stepMs = ld(params, P_STEP_MS);
  const windowMs = ld(params, P_WINDOW_MS);
  let cPrev = cents ? roundPx(open) : jsRound(open / tick) * tick;
  // window state (aggregateBars) and day state (aggregateAll)
  let j: i32 = -1;
  let cur: f64 = NaN;
  let wPv: f64 = 0;
  let dO: f64 = NaN, dH: f64 = NaN, dL: f64 = NaN, dC: f64 = NaN, dV: f64 = 0, dN: f64 = 0;
  let dPv: f64 = 0;
  const wc = <usize>winCap << 3;
  const bc = <usize>barsCap << 3;
  let nan = false;
  for (let k = 0; k < n; k++) {
    cumW += ld(x, k);
    cumV += ld(variance, k);
    const px = k == n - 1 ? close : open * crExp(cumW - (cumV / sumVar / scale) * gap);
    const sd = ld(sdBuf, k);
    const zh = ld(z, 3 * k), zl = ld(z, 3 * k + 1), zv = ld(z, 3 * k + 2);
    const hx = max<f64>(prev, px) * crExp(0.5 * sd * abs<f64>(zh));
    const lx = min<f64>(prev, px) * crExp(-0.5 * sd * abs<f64>(zl));
    const o = cPrev;
    let c: f64, hr: f64, lr: f64;
    if (cents) {
      c = roundPx(px);
      hr = roundPx(hx);
      lr = roundPx(lx);
    } else {
      c = jsRound(px / tick) * tick;
      hr = jsRound(hx / tick) * tick;
      lr = jsRound(lx / tick) * tick;
    }
    const h = max<f64>(max<f64>(o, c), hr);
    const l = min<f64>(min<f64>(o, c), lr);
    const vRaw = volume * ld(volShape, k) / sumShape * crExp(0.4 * zv - 0.08);
    const v = max<f64>(minVol, jsRound(vRaw / lot) * lot);
    const nTrades = max<f64>(minTrades, min<f64>(floor<f64>(v / lot), jsRound(v / tradeSize)));
    const base = floor<f64>(v / nTrades);
    const first = base + (v - base * nTrades);
    const hl = (h + l) / 2;
    const mid = roundPx(hl);
    const vw = (o * first + (h + l + c) * base + mid * base * (nTrades - 4)) / v;
    const t = openMs + <f64>k * stepMs;
    // NaN bit patterns (sign, payload) are not pinned down across engines: report, caller redoes
    nan = nan || t != t || o != o || h != h || l != l || c != c || v != v || vw != vw ||
      nTrades != nTrades;
    if (bars) {
      const p = bars + (<usize>k << 3);
      store<f64>(p, t);
      store<f64>(p + bc, o);
      store<f64>(p + 2 * bc, h);
      store<f64>(p + 3 * bc, l);
      store<f64>(p + 4 * bc, c);
      store<f64>(p + 5 * bc, v);
      store<f64>(p + 6 * bc, vw);
      store<f64>(p + 7 * bc, nTrades);
    }
    if (agg) {
      if (win) {
        const ws = floor<f64>(t / windowMs) * windowMs;
        if (ws != cur) {
          if (j >= 0) {
            const q = win + (<usize>j << 3);
            const wv = load<f64>(q + 5 * wc);
            store<f64>(q + 6 * wc, wv > 0 ? wPv / wv : load<f64>(q + 4 * wc));
          }
          j++;
          cur = ws;
          const q = win + (<usize>j << 3);
          store<f64>(q, ws);
          store<f64>(q + wc, o);
          store<f64>(q + 2 * wc, h);
          store<f64>(q + 3 * wc, l);
          store<f64>(q + 5 * wc, 0);
          store<f64>(q + 7 * wc, 0);
          wPv = 0;
        }
        const q = win + (<usize>j << 3);
        if (h > load<f64>(q + 2 * wc)) store<f64>(q + 2 * wc, h);
        if (l < load<f64>(q + 3 * wc)) store<f64>(q + 3 * wc, l);
        store<f64>(q + 4 * wc, c);
        store<f64>(q + 5 * wc, load<f64>(q + 5 * wc) + v);
        store<f64>(q + 7 * wc, load<f64>(q + 7 * wc) + nTrades);
        wPv += vw * v;
      }
      if (k == 0) {
        dO = o;
        dH = h;
        dL = l;
      }
      if (h > dH) dH = h;
      if (l < dL) dL = l;
      dC = c;
      dV = dV + v;
      dN = dN + nTrades;
      dPv += vw * v;
    }
    prev = px;
    cPrev = c;
  }
  st(params, P_DO, dO);
  st(params, P_DH, dH);
  st(params, P_DL, dL);
  st(params, P_DC, dC);
  st(params, P_DV, dV);
  st(params, P_DN, dN);
  st(params, P_DPV, dPv);
  st(params, P_J, <f64>j);
  st(params, P_WPV, wPv);
  return nan ? 1 : 0;
}

/** Export the RNG's state after a generate (for tests): s0..s3 as u32, spare. */
export function rngState(i: i32): f64 {
  if (i == 0) return <f64>s0;
  if (i == 1) return <f64>s1;
  if (i == 2) return <f64>s2;
  if (i == 3) return <f64>s3;
  return spare;
}
