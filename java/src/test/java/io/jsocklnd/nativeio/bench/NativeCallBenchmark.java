package io.jsocklnd.nativeio.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import io.jsocklnd.nativeio.JslNative;
import io.jsocklnd.nativeio.LibJsl;

/**
 * Cost of one call into libjsl ({@code jsl_noop}) beside a Java call the JIT may not inline.
 * Run: {@code java -cp <test classpath> io.jsocklnd.nativeio.bench.NativeCallBenchmark /abs/path/libjsl.so}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NativeCallBenchmark
{
    private LibJsl lib;
    private int value = 42;

    @Setup
    public void setup()
    {
        JslNative.ensureAvailable();
        lib = JslNative.lib();
    }

    @Benchmark
    public int nativeNoop()
    {
        return lib.jsl_noop(value);
    }

    @Benchmark
    public int javaNoop()
    {
        return javaIdentity(value);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static int javaIdentity(final int v)
    {
        return v;
    }

    public static void main(final String[] args) throws Exception
    {
        final String lib = args.length > 0 ? args[0] : System.getProperty(JslNative.LIBRARY_PATH_PROPERTY, "");
        new Runner(new OptionsBuilder()
            .include(NativeCallBenchmark.class.getSimpleName())
            .jvmArgsAppend("-D" + JslNative.LIBRARY_PATH_PROPERTY + "=" + lib)
            .build()).run();
    }
}
