using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;
using Cdp.Core.Profiles;
using DynamicExpresso;
using DynamicExpresso.Exceptions;

namespace Cdp.Core.Segments;

/// <summary>
/// Compiles a segment rule, a boolean expression in C# syntax parsed by DynamicExpresso (docs/segments.md), into a
/// delegate over a <see cref="RuleContext"/>, and finds what it reads. The functions a rule may call take their
/// names as literal strings, so every rule's reads are known when it is saved:
/// <c>text</c>, <c>number</c>, <c>flag</c>, <c>hasTrait</c> (<c>traits.{name}</c>), <c>hasIdentifier</c>
/// (<c>identifiers</c>), <c>count</c>, <c>firstSeen</c>, <c>lastSeen</c> (<c>counters.{type or track:event}</c>),
/// <c>inSegment</c> (<c>segments.{id}</c>), <c>consent</c> (<c>consents.{purpose}</c>; an expiry is a time
/// condition), <c>olderThan</c> and <c>within</c> (time).
/// </summary>
/// <remarks>
/// DynamicExpresso turns each function call into an invocation of a placeholder delegate; the compiler rewrites
/// each into a call on the context parameter and compiles the tree once, so evaluation is a plain delegate call
/// (no reflection, no parsing per profile).
/// </remarks>
public static class RuleCompiler
{
    /// <summary>The longest rule accepted.</summary>
    public const int MaxLength = 4000;

    private static readonly Function[] Functions =
    [
        Named("text", (Func<string, string>)Placeholder<string>, nameof(RuleContext.Text), name => "traits." + name),
        Named("number", (Func<string, double>)Placeholder<double>, nameof(RuleContext.Number), name => "traits." + name),
        Named("flag", (Func<string, bool>)Placeholder<bool>, nameof(RuleContext.Flag), name => "traits." + name),
        Named("hasTrait", (Func<string, bool>)Placeholder<bool>, nameof(RuleContext.HasTrait), name => "traits." + name),
        Named("hasIdentifier", (Func<string, bool>)Placeholder<bool>, nameof(RuleContext.HasIdentifier), _ => "identifiers"),
        Named("count", (Func<string, double>)Placeholder<double>, nameof(RuleContext.Count), name => "counters." + CounterKey(name), CounterKey),
        Named("firstSeen", (Func<string, DateTimeOffset>)Placeholder<DateTimeOffset>, nameof(RuleContext.FirstSeen), name => "counters." + CounterKey(name), CounterKey),
        Named("lastSeen", (Func<string, DateTimeOffset>)Placeholder<DateTimeOffset>, nameof(RuleContext.LastSeen), name => "counters." + CounterKey(name), CounterKey),
        Named("inSegment", (Func<string, bool>)Placeholder<bool>, nameof(RuleContext.InSegment), Profile.SegmentPath),
        Named("consent", (Func<string, bool>)Placeholder<bool>, nameof(RuleContext.Consent), purpose => "consents." + purpose, readsTime: true),
        new("olderThan", (Func<DateTimeOffset, double, bool>)Placeholder2, typeof(RuleContext).GetMethod(nameof(RuleContext.OlderThan))!, null, null, ReadsTime: true),
        new("within", (Func<DateTimeOffset, double, bool>)Placeholder2, typeof(RuleContext).GetMethod(nameof(RuleContext.Within))!, null, null, ReadsTime: true),
    ];

    // By reference: several placeholders share a method, and delegates of one method are equal by value.
    private static readonly Dictionary<object, Function> ByPlaceholder = Functions.ToDictionary(f => (object)f.Placeholder, ReferenceEqualityComparer.Instance);

    /// <summary>The message types, counted under their own names; any other name is a track event's.</summary>
    private static readonly HashSet<string> MessageTypeNames = ["identify", "track", "page", "screen", "group", "alias"];

    /// <summary>The counter a name in a rule refers to: a message type (<c>track</c>), else a track event (<c>track:Order Completed</c>).</summary>
    public static string CounterKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return MessageTypeNames.Contains(name) ? name : ProfileCounters.EventCounterPrefix + name;
    }

    /// <summary>Compiles <paramref name="rule"/>; the errors say what is wrong and where.</summary>
    public static RuleCompilation Compile(string? rule)
    {
        if (string.IsNullOrWhiteSpace(rule))
        {
            return RuleCompilation.Failed(new RuleError("The rule is empty.", null));
        }

        if (rule.Length > MaxLength)
        {
            return RuleCompilation.Failed(new RuleError($"The rule is longer than {MaxLength} characters.", null));
        }

        var interpreter = new Interpreter(InterpreterOptions.PrimitiveTypes | InterpreterOptions.SystemKeywords);
        foreach (var function in Functions)
        {
            interpreter.SetFunction(function.Name, function.Placeholder);
        }

        Lambda parsed;
        try
        {
            parsed = interpreter.Parse(rule, typeof(bool));
        }
        catch (UnknownIdentifierException ex)
        {
            return RuleCompilation.Failed(new RuleError($"Unknown name '{ex.Identifier}': use one of {string.Join(", ", Functions.Select(f => f.Name + "()"))}.", ex.Position));
        }
        catch (ParseException ex)
        {
            return RuleCompilation.Failed(new RuleError(Explain(ex), ex.Position));
        }
        catch (InvalidOperationException ex)
        {
            return RuleCompilation.Failed(new RuleError(ex.Message, null));
        }

        var context = Expression.Parameter(typeof(RuleContext), "profile");
        var rewriter = new Rewriter(context);
        var body = rewriter.Visit(parsed.Expression);
        if (rewriter.Errors.Count > 0)
        {
            return RuleCompilation.Failed([.. rewriter.Errors]);
        }

        var evaluate = Expression.Lambda<Func<RuleContext, bool>>(body, context).Compile();
        return new RuleCompilation(new CompiledRule(rule, evaluate, rewriter.Reads, rewriter.Segments, rewriter.ReadsTime), []);
    }

    /// <summary>The parser's message without its own position (the error carries it), and a plainer word for a type mismatch.</summary>
    private static string Explain(ParseException ex)
    {
        var message = Regex.Replace(ex.Message, @"\s*\(at index \d+\)\.?$", string.Empty);
        return message == "Invalid Operation"
            ? "The operator does not apply to these types (e.g. text compared with a number: use number(...) or a text literal)."
            : message;
    }

    private static Function Named(string name, Delegate placeholder, string method, Func<string, string> reads, Func<string, string>? argument = null, bool readsTime = false) =>
        new(name, placeholder, typeof(RuleContext).GetMethod(method)!, reads, argument, readsTime);

    private static T Placeholder<T>(string name) => throw new InvalidOperationException("A rule function is only a placeholder until compiled.");

    private static bool Placeholder2(DateTimeOffset time, double days) => throw new InvalidOperationException("A rule function is only a placeholder until compiled.");

    /// <param name="Reads">The change path the function reads, from its literal name; null for time functions.</param>
    /// <param name="Argument">How the literal name is passed to the context (the counter key), or null when as written.</param>
    private sealed record Function(string Name, Delegate Placeholder, MethodInfo Method, Func<string, string>? Reads, Func<string, string>? Argument, bool ReadsTime);

    /// <summary>The longest duration a rule may write for <c>olderThan</c> and <c>within</c>: 100 years.</summary>
    public const int MaxDays = 36500;

    /// <summary>Turns placeholder invocations into calls on the context, and collects what the rule reads.</summary>
    private sealed class Rewriter(ParameterExpression context) : ExpressionVisitor
    {
        /// <summary>The value of a number written in the rule (a literal, negated or converted), or null when it is computed.</summary>
        private static double? Constant(Expression expression) => expression switch
        {
            ConstantExpression { Value: { } value } when value is IConvertible => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked or ExpressionType.UnaryPlus } unary => Constant(unary.Operand),
            UnaryExpression { NodeType: ExpressionType.Negate or ExpressionType.NegateChecked } unary => -Constant(unary.Operand),
            _ => null,
        };

        public List<RuleError> Errors { get; } = [];

        public HashSet<string> Reads { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Segments { get; } = new(StringComparer.Ordinal);

        public bool ReadsTime { get; private set; }

        /// <summary>
        /// The methods a rule may call (e.g. <c>text("plan").StartsWith("p")</c>): of text, numbers and characters,
        /// none that reflects or reads anything but its arguments. Methods that throw on ordinary
        /// values (<c>Substring</c>, <c>IndexOf</c> with a start, <c>Replace</c>) are not among them.
        /// </summary>
        private static readonly Dictionary<Type, HashSet<string>> Callable = new()
        {
            [typeof(string)] = ["StartsWith", "EndsWith", "Contains", "Equals", "ToLower", "ToLowerInvariant", "ToUpper", "ToUpperInvariant", "Trim", "TrimStart", "TrimEnd", "IsNullOrEmpty", "IsNullOrWhiteSpace", "Concat", "Compare", "CompareOrdinal", "ToString"],
            [typeof(double)] = ["IsNaN", "IsInfinity", "IsFinite", "Equals", "CompareTo", "ToString"],
            [typeof(int)] = ["Equals", "CompareTo", "ToString"],
            [typeof(long)] = ["Equals", "CompareTo", "ToString"],
            [typeof(bool)] = ["Equals", "ToString"],
            [typeof(char)] = ["IsDigit", "IsLetter", "IsLetterOrDigit", "IsUpper", "IsLower", "IsWhiteSpace", "ToLower", "ToUpper", "ToLowerInvariant", "ToUpperInvariant", "Equals", "ToString"],
            [typeof(DateTimeOffset)] = ["Equals", "CompareTo"],
            [typeof(TimeSpan)] = ["Equals", "CompareTo"],
        };

        /// <summary>The static members that read the clock: a rule reads time only through the time functions, which say when their answer turns.</summary>
        private static readonly HashSet<string> ClockMembers = ["Now", "UtcNow", "Today"];

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (!(Callable.TryGetValue(node.Method.DeclaringType!, out var names) && names.Contains(node.Method.Name)))
            {
                Errors.Add(new RuleError($"{node.Method.Name}() cannot be called in a rule: only the rule functions and the methods of text and numbers that cannot fail on ordinary values (docs/segments.md lists them).", null));
                return node;
            }

            return base.VisitMethodCall(node);
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression is null && ClockMembers.Contains(node.Member.Name) && node.Member.DeclaringType is { } type && (type == typeof(DateTime) || type == typeof(DateTimeOffset)))
            {
                Errors.Add(new RuleError($"{type.Name}.{node.Member.Name} reads the clock: a rule reads time only through olderThan() and within(), which schedule the profile for the instant their answer turns.", null));
                return node;
            }

            return base.VisitMember(node);
        }

        protected override Expression VisitInvocation(InvocationExpression node)
        {
            if (node.Expression is not ConstantExpression { Value: Delegate placeholder } || !ByPlaceholder.TryGetValue(placeholder, out var function))
            {
                return base.VisitInvocation(node);
            }

            var arguments = node.Arguments.Select(Visit).ToList();
            ReadsTime |= function.ReadsTime;
            if (function.Reads is null)
            {
                // olderThan/within: days written in the rule must be a real duration (computed ones saturate when evaluated).
                if (Constant(arguments[1]!) is { } days && !(days >= 0 && days <= MaxDays))
                {
                    Errors.Add(new RuleError($"{function.Name}() takes between 0 and {MaxDays} days, not {days.ToString(CultureInfo.InvariantCulture)}.", null));
                }

                return Expression.Call(context, function.Method, arguments!);
            }

            if (arguments[0] is not ConstantExpression { Value: string name } || string.IsNullOrWhiteSpace(name))
            {
                Errors.Add(new RuleError($"{function.Name}() takes a name written in the rule as a non-empty string literal, e.g. {function.Name}(\"plan\").", null));
                return node;
            }

            Reads.Add(function.Reads!(name));
            if (function.Method.Name == nameof(RuleContext.InSegment))
            {
                Segments.Add(name);
            }

            return Expression.Call(context, function.Method, Expression.Constant(function.Argument?.Invoke(name) ?? name));
        }
    }
}

/// <summary>A compiled rule: its delegate, the change paths it reads, the segments it reads and whether it reads time.</summary>
public sealed record CompiledRule(string Text, Func<RuleContext, bool> Evaluate, IReadOnlySet<string> Reads, IReadOnlySet<string> Segments, bool ReadsTime);

/// <summary>One thing wrong with a rule; <paramref name="Position"/> is the character index when known.</summary>
public sealed record RuleError(string Message, int? Position)
{
    /// <summary>The message with where it is, as problem details show it: <c>At character 12: …</c>.</summary>
    public override string ToString() => Position is { } at ? string.Create(CultureInfo.InvariantCulture, $"At character {at}: {Message}") : Message;
}

/// <summary>A rule compiled, or the errors that stopped it.</summary>
public sealed record RuleCompilation(CompiledRule? Rule, IReadOnlyList<RuleError> Errors)
{
    public static RuleCompilation Failed(params RuleError[] errors) => new(null, errors);
}
