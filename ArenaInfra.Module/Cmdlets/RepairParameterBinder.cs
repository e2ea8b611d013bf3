using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace ArenaInfra.Cmdlets
{
    /// <summary>
    /// Start-ArenaPod's -RepairParameters taken as Repair-ArenaPod takes its parameters: each key one of
    /// them (its name, an alias or an unambiguous start of one), each value converted to its type and
    /// checked by its Validate attributes. A key Repair-ArenaPod does not know, or a value it would refuse,
    /// ends the command as that Repair-ArenaPod call would have.
    /// </summary>
    internal static class RepairParameterBinder
    {
        /// <summary>The common parameters: the replacement runs inside Start-ArenaPod, under its own.</summary>
        private static readonly HashSet<string> Common = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Verbose", "vb", "Debug", "db", "ErrorAction", "ea", "WarningAction", "wa", "InformationAction", "infa", "ProgressAction", "proga",
            "ErrorVariable", "ev", "WarningVariable", "wv", "InformationVariable", "iv", "OutVariable", "ov", "OutBuffer", "ob",
            "PipelineVariable", "pv", "WhatIf", "wi", "Confirm", "cf",
        };

        private static readonly MethodInfo Validate = typeof(ValidateArgumentsAttribute).GetMethod("Validate",
            BindingFlags.Instance | BindingFlags.NonPublic, null, new[] { typeof(object), typeof(EngineIntrinsics) }, null)!;

        /// <summary>
        /// Repair-ArenaPod's parameters with the given values (its defaults for the rest), never to be run itself.
        /// The names in own (and the common parameters) are left out, each with a Verbose line.
        /// </summary>
        public static RepairArenaPodCommand Bind(IDictionary? given, ISet<string> own, Action<string, bool> leftOut, EngineIntrinsics engine)
        {
            var bound = new RepairArenaPodCommand();
            var parameters = typeof(RepairArenaPodCommand).GetProperties(BindingFlags.Instance | BindingFlags.Public)
                .Where(p => p.GetCustomAttributes<ParameterAttribute>(true).Any()).ToList();
            foreach (DictionaryEntry pair in given ?? new Hashtable())
            {
                var key = pair.Key?.ToString() ?? "";
                if (Common.Contains(key))
                {
                    leftOut(key, false);
                    continue;
                }
                var parameter = Find(parameters, key);
                if (own.Contains(parameter.Name))
                {
                    leftOut(key, true);
                    continue;
                }
                parameter.SetValue(bound, Checked(parameter, pair.Value, engine));
            }
            return bound;
        }

        private static PropertyInfo Find(IReadOnlyList<PropertyInfo> parameters, string key)
        {
            static IEnumerable<string> Names(PropertyInfo p) => new[] { p.Name }.Concat(p.GetCustomAttributes<AliasAttribute>(true).SelectMany(a => a.AliasNames));
            var exact = parameters.FirstOrDefault(p => Names(p).Contains(key, StringComparer.OrdinalIgnoreCase));
            if (exact != null) return exact;
            var started = key.Length == 0 ? new List<PropertyInfo>() : parameters.Where(p => Names(p).Any(n => n.StartsWith(key, StringComparison.OrdinalIgnoreCase))).ToList();
            if (started.Count == 1) return started[0];
            throw new ParameterBindingException(started.Count == 0
                ? $"-RepairParameters: Repair-ArenaPod has no parameter '{key}'."
                : $"-RepairParameters: '{key}' could be any of Repair-ArenaPod's {string.Join(", ", started.Select(p => p.Name))}; give more of the name.");
        }

        private static object? Checked(PropertyInfo parameter, object? value, EngineIntrinsics engine)
        {
            try
            {
                var converted = LanguagePrimitives.ConvertTo(value is PSObject wrapped ? wrapped.BaseObject : value, parameter.PropertyType, CultureInfo.InvariantCulture);
                foreach (var check in parameter.GetCustomAttributes<ValidateArgumentsAttribute>(true))
                {
                    try
                    {
                        Validate.Invoke(check, new[] { converted, engine });
                    }
                    catch (TargetInvocationException e) when (e.InnerException != null)
                    {
                        throw e.InnerException;
                    }
                }
                return converted;
            }
            catch (Exception e) when (e is ValidationMetadataException || e is PSInvalidCastException || e is ArgumentException)
            {
                throw new ParameterBindingException($"-RepairParameters {parameter.Name}: Repair-ArenaPod cannot take this value: {e.Message}", e);
            }
        }
    }
}
